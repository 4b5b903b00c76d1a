"""Transformers that turn raw data into sequences the recurrent estimators read."""

from ._text import TextSequencer
from ._vectors import WordVectorSequencer

__all__ = ["TextSequencer", "WordVectorSequencer"]
