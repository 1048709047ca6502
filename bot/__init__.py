"""The Rasa side of the assistant: domain, stories, rules and custom NLU components."""
