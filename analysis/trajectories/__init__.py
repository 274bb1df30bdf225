"""Family trajectories: participant flow, sessions and substitution (``flow``) and costs under
assumed tariffs (``costs``)."""
