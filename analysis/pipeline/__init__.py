"""The notebook runner: general machinery, no domain words.

``spec`` reads ``notebooks/pipeline.yaml`` (the DAG), ``state`` decides what is cached, ``execute``
runs one notebook with papermill and renders it, ``sanitize`` strips what must not be stored,
``runner`` ties them together (``python -m analysis run``), and ``notebook`` is the context a
notebook opens with :func:`analysis.pipeline.notebook.start`.
"""
