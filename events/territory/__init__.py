"""Territorial control by date: front-line snapshots (DeepStateMap, ISW, archives of them),
stored beside the datasets, and what they say about each event's place and each capture claim.

formats.py reads the source files (one reader per layout, a registry), snapshots.py stores
and finds snapshots, control.py tags events and checks claims against them.
"""
