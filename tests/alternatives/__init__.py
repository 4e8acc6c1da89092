"""Correct implementations in the styles students write, one module per assignment.

Each module defines ``ALTERNATIVES``: {function name: {short description: source of a correct
version}}, at least two per autograded function, written from the assignment text alone.
tests/test_autograder_strength.py hands each one in as a student and asserts it keeps full marks:
the hidden tests must be as fair to a correct answer as they are hard on a wrong one.
"""
