"""The HTTP gateway: the one process open to the outside, in front of Rasa.

It issues signed conversation ids, queues each conversation's messages, talks
to Rasa's REST channel on loopback and turns its answers into the chat API of
DESIGN.md. See README.md in this folder for the modules and their tests.
"""
