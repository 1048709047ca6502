"""The action server: answers from the policy corpus, the eligibility form, handoff.

Runs on rasa-sdk (Python 3.11) and is called by Rasa over HTTP. Actions get
what they need — the searcher, the eligibility rules, the deployment's facts —
through their constructors (see server.py), and none lets an exception
escape (see safety.py).
"""
