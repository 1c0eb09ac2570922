"""Engine-side (Python 3.10, Rasa 3.6) extensions other than NLU components."""
