"""Custom Rasa graph components (loaded by Rasa, Python 3.10)."""
