"""Privacy: the guard, the gate to publishable outputs, and the scanner of what is shared.

Ground floor of the package (imports nothing of the rest but :mod:`analysis.errors`).

- :mod:`.guard`: find identifiers in Dutch text and replace them (:func:`deidentify`), decide
  whether a quote may be published (:func:`check_quote`), stable quote ids (:func:`quote_id`);
- :mod:`.lexicon`: deduce's own name, street and place lists, read case-insensitively;
- :mod:`.gate`: the one gate for every text that can reach ``reports/`` or ``figures/``
  (:func:`gate_text`), and the checks the validation runs on every input channel: ids
  (:func:`pseudonym_problem`), labels of every coding export (:func:`label_problems`), file
  names (:func:`file_name_problems`) and cohort.yaml (:func:`config_problems`);
- :mod:`.scanner`: search published files in every encoding (text, HTML, notebook JSON, base64
  images, PNG text chunks, SVG text) for planted values, formula cells and small cells.
"""

from analysis.privacy.gate import (APPROVAL_FILE, NOT_FOR_PUBLICATION, WITHHELD, approved_quotes,
                                   code_name_problem, config_problems, file_name_problem,
                                   file_name_problems, gate_text, gate_value, identifier_flags,
                                   label_problems, pseudonym_problem, quote_approved,
                                   read_approved, review_candidates, shown_file_name,
                                   with_quote_ids)
from analysis.privacy.guard import (DEDUCE_CHUNK, MAX_REPLACEMENTS, PUBLIC_TERMS, REPLACEMENTS,
                                    RESIDUAL_CHECKS, Finding, QuoteCheck, _deduce, check_quote,
                                    deduce_startup_seconds, deidentify, is_valid_bsn,
                                    is_valid_iban, normalise, quote_id, review_table)

__all__ = ["APPROVAL_FILE", "DEDUCE_CHUNK", "MAX_REPLACEMENTS", "NOT_FOR_PUBLICATION",
           "PUBLIC_TERMS", "REPLACEMENTS", "RESIDUAL_CHECKS", "WITHHELD", "Finding", "QuoteCheck",
           "_deduce", "approved_quotes", "check_quote", "code_name_problem", "config_problems",
           "deduce_startup_seconds", "deidentify", "file_name_problem", "file_name_problems",
           "gate_text", "gate_value", "identifier_flags", "is_valid_bsn", "is_valid_iban",
           "label_problems", "normalise", "pseudonym_problem", "quote_approved", "quote_id",
           "read_approved", "review_candidates", "review_table", "shown_file_name",
           "with_quote_ids"]
