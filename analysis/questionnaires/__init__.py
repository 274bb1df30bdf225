"""Questionnaires: definitions (``instruments``), scoring, change between moments (``change``)
and the questionnaire results of a cohort (``outcomes``)."""
