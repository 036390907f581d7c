"""WHAT happens: people arrays, agendas, queues, and the stages of the system."""
