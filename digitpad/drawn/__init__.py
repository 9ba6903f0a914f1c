"""Digits drawn with a pen: reading UNIPEN trajectories and rendering them as the pad would."""
