"""The notebook runner: general machinery, no domain words.

``spec`` reads ``notebooks/pipeline.yaml`` (the DAG), ``params`` checks parameters against their
rules, ``deps`` finds what package code and data a notebook uses, ``state`` decides what is
cached, ``status`` says so in words, ``outputs`` sets earlier outputs aside while a notebook
runs, ``lock`` keeps one run per cohort, ``warm`` starts kernels ahead, ``execute`` runs one
notebook with papermill and renders it, ``sanitize`` strips what must not be stored, ``runner``
ties them together (``python -m analysis run``), and ``notebook`` is the context a notebook
opens with :func:`analysis.pipeline.notebook.start`.
"""
