"""analysis.report.display: notebook outputs shown in Dutch without changing Dutch prose."""

from __future__ import annotations

from analysis.report import display


def test_printed_dutch_keeps_its_words_and_a_cells_value_is_translated():
    """A printed sentence says "met" (with), which as a table value means "behaald" (met, of a
    target): only a cell's value is read word by word; print output changes identifiers and
    decimal points only."""
    printed = ('<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain">'
               "<pre>met dat gezin erbij, p_value 0.5</pre></div>")
    value = ('<div class="jp-RenderedText jp-OutputArea-output jp-OutputArea-executeResult" '
             'data-mime-type="text/plain"><pre>met  True</pre></div>')
    out = display.dutch_text_outputs(printed + value)
    assert "met dat gezin erbij, p-waarde 0,5" in out
    assert "behaald  ja" in out
