"""The checks of scikit-learn's estimator API that apply to a text transformer.

scikit-learn skips its data checks for string input (as for ``CountVectorizer``); these
are the ones that still apply, shared by the tests of every text transformer.
"""

from sklearn.utils import estimator_checks as checks

TEXT_API_CHECKS = [
    checks.check_estimator_cloneable,
    checks.check_estimator_repr,
    checks.check_no_attributes_set_in_init,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_mixin_order,
    checks.check_param_validation,
]
