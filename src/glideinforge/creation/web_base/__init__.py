"""Files that glideins download from the staging area."""
