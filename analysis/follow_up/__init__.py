"""Planning a follow-up study from the pilot's own results (``planning``)."""
