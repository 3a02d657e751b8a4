"""The game's screens: title, setup, load, play, decision, debrief, help and messages."""
