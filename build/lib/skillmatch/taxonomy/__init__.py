"""The taxonomy stage: concepts, hierarchy, occupations, training and paths, from any source."""

from .build import TaxonomyBuilder, Where
from .core import LabelTable, Taxonomy
from .load import detect_format, load_taxonomy, shipped_taxonomy_path

__all__ = ["LabelTable", "Taxonomy", "TaxonomyBuilder", "Where", "detect_format", "load_taxonomy",
           "shipped_taxonomy_path"]
