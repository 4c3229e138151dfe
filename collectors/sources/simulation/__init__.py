"""The simulated contact center behind ``collectors.sources.simulator``: one module per part of the model.

clock (time and the local calendar), profiles (queues and demand), roster
(agents and their days), journeys (arrivals and returning customers), model
(contacts and agents in flight), engine (the discrete-event day), feedback
(surveys), world (a simulated day indexed for polling), mmc (the textbook
M/M/c queue for checks against Erlang C).
"""
