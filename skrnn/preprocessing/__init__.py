"""Transformers that turn raw data into sequences the recurrent estimators read."""

from ._text import TextSequencer

__all__ = ["TextSequencer"]
