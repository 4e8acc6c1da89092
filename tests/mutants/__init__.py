"""Plausible wrong answers for every autograded function, one module per assignment.

Each module defines ``MUTANTS``: {function name: {short description: source of a wrong version}}.
tests/test_autograder_strength.py hands each one in as a student and asserts it loses points.
"""
