"""Spreadsheets for submitters: the template workbook generated from the contract, and the
reader that turns a filled workbook back into a v1 document, naming every problem by cell.
Imports schemas and openpyxl/python-calamine only; the gateway and the CLI use it."""
