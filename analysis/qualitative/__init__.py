"""Qualitative strand: coding exports (``qda``), themes and frequencies (``themes``),
inter-coder agreement (``agreement``) and the parent survey (``survey``)."""
