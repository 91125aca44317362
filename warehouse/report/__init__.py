"""The self-contained HTML alliance report (inline SVG charts) built from the marts."""
