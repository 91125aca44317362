"""The `resilience` typer app, one module per area; heavy imports stay inside commands."""
