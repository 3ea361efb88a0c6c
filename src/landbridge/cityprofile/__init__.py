"""City profiles: regions, rule sets and settings of one city, loaded from data files (P1, S21).

Yingtan is the default profile (``data/yingtan``). Rule values come with their source and effective
date; code reads them by name and never writes the numbers as literals (rules.md).
"""

from landbridge.cityprofile.loader import (
    CityProfile,
    Region,
    Rule,
    RuleSet,
    get_profile,
    load_profile,
)

__all__ = ["CityProfile", "Region", "Rule", "RuleSet", "get_profile", "load_profile"]
