"""Thai NLU components for the Rasa 3.6 engine (Python 3.10 runtime only).

``segment`` has no Rasa dependency and is usable anywhere pythainlp is installed;
``tokenizer``, ``normalizer`` and ``emergency`` are Rasa graph components named in
``config.yml``.
"""
