"""Programs that run on the collection crew's devices, apart from the Django backend."""
