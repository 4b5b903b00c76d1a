"""Transformers that turn raw data into sequences the recurrent estimators read."""

from ._series import FrameStacker, FrameSummarizer, Resampler, StepwiseTransformer
from ._text import TextSequencer
from ._vectors import WordVectorSequencer

__all__ = ["TextSequencer", "WordVectorSequencer"]
__all__ += ["FrameStacker", "FrameSummarizer", "Resampler", "StepwiseTransformer"]
