"""Customer rules: a list of conditions ``[{"field", "op", "value"}]`` turned into ONE ``Q`` over
``Customer`` (CUS-4 tag rules; the invitation segments of SPEC INV-2 reuse it). ``engine`` holds
the registry, validation and evaluation; ``fields`` the built-in fields; ``tag_rules`` the
set-based tag-rule run. See ``engine`` for the condition format."""

from .engine import (FIELDS, OP_LABELS, Context, RuleError, RuleField, conditions_q, conditions_validate,
                     customers_matching, field_catalogue, field_register)
from .tag_rules import TagRuleRun, tag_rule_apply, tag_rules_apply_all

__all__ = ["FIELDS", "OP_LABELS", "Context", "RuleError", "RuleField", "TagRuleRun", "conditions_q",
           "conditions_validate", "customers_matching", "field_catalogue", "field_register", "tag_rule_apply",
           "tag_rules_apply_all"]
