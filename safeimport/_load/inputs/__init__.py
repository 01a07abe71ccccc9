"""The inputs a load reads: each turns its rows into COPY chunks (see :class:`.base.Input`)."""

from .base import Input
from .csv import CsvInput
from .dataset import DatasetInput
from .frame import FrameInput
from .json import JsonInput
from .text import Source

__all__ = ["CsvInput", "DatasetInput", "FrameInput", "Input", "JsonInput", "Source"]
