"""Cells a spreadsheet would evaluate are written as text; numbers stay numbers."""

from callassist.core.spreadsheet import safe_cell


def test_formula_cells_become_text_and_numbers_stay():
    for formula in ("=2+3", "+1 555 0100", "-2-3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")', "-", "+"):
        assert safe_cell(formula) == "'" + formula
    for kept in ("-12.50", "+3", "42", "王芳", "a=b", "", 7, None, " =1"):
        assert safe_cell(kept) == kept
