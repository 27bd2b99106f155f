"""Scenario files: strict YAML, AWS API shapes, validation."""
