"""Frontend configuration model and compiler (arrives with the frontend issue)."""
