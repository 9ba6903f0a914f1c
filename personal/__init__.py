"""Personal models: adapting the network to its user from their own saved samples."""
