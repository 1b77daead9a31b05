#!/bin/bash
# Example job wrapper: runs the job unchanged.
exec "$@"
