"""The designer's data widgets: the data set chooser, the CSV import wizard, the image-folder importer and the
draw-a-digit pad. Loading always happens off the GUI thread (:mod:`designer.data.background`)."""
