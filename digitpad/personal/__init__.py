"""Personal models: the user's labelled samples (saved and loaded) and adapting the network to them."""
