"""The command line and text reports of Frontline State, at the edge of the ``sim`` core."""
