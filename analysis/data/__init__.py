"""Raw data in, typed tables out: reading exports (``io``), the cohort folder and its settings
(``cohort``), checking them against the data contract (``validate``), the processed tables that
notebooks hand over (``processed``) and synthetic cohorts (``synthetic``)."""
