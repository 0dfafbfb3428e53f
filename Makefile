# medres — PGXS build.  `make && make install`, then `CREATE EXTENSION medres`.
EXTENSION   = medres medres_postgis
MODULE_big  = medres
DATA        = src/sql/medres--0.1.0.sql src/sql/medres--0.1.0--0.2.0.sql \
              src/sql/medres_postgis--0.1.0.sql src/sql/medres_postgis--0.1.0--0.2.0.sql \
              src/sql/medres--0.2.0.sql src/sql/medres_postgis--0.2.0.sql
OBJS        = src/medres.o src/numeric.o src/sort.o \
              src/streaming.o src/gini.o src/decomposition.o \
              src/evaluation.o src/partition.o src/cluster.o \
              src/spatial.o src/spatial_pairs.o src/accessibility.o src/spatial_weights.o \
              src/autocorrelation.o \
              src/svg.o src/dendrogram.o src/charts.o \
              src/jenks.o src/choropleth.o \
              src/dagum.o src/dagum_ci.o \
              src/uncertainty.o src/bootstrap.o src/se.o

PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK  = -pthread
PG_CFLAGS   = -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
              -Wno-missing-field-initializers $(if $(WERROR),-Werror)

# `make installcheck`: the pg_regress suite against a running server (PGHOST, PGPORT, ...);
# sql/spatial.sql only where PostGIS is installed
REGRESS     = bad_input cluster evaluation pictures provinces uncertainty vectors window
REGRESS     += $(if $(wildcard $(shell $(PG_CONFIG) --sharedir)/extension/postgis.control),spatial)
REGRESS_OPTS = --inputdir=. --load-extension=medres

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): src/medres.h
src/svg.o src/dendrogram.o src/charts.o src/cluster.o src/choropleth.o: src/svg.h
src/spatial.o src/spatial_pairs.o src/accessibility.o src/spatial_weights.o src/autocorrelation.o: src/spatial.h

# between builds for different servers: the objects only (PGXS's clean also removes results/,
# where the test runner keeps its output)
.PHONY: clean-objects
clean-objects:
	rm -f $(OBJS) $(OBJS:.o=.bc) $(shlib)

.PHONY: test demo
test:
	bash tools/test.sh
demo:
	bash tools/demo.sh
