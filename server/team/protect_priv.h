/*
 * protect_priv.h — what the protected table set's two files share, and
 * nothing outside server/team/ may include: one year of cells as protect.c
 * builds it and protect_audit.c audits it.
 */
#ifndef KB_PROTECT_PRIV_H
#define KB_PROTECT_PRIV_H

#include <stddef.h>

#include "protect.h"

/* One year of cells over its base cells (month × location × channel). */
struct year {
	int		 year;
	size_t		 dim;		/* 12 × nloc × channels */
	size_t		 ncells;
	size_t		*cell;		/* indices into the set's cells */
	unsigned char	**inc;		/* incidence per cell, dim bytes */
	size_t		*batch;		/* closing batch of each cell */
	int		*kind;		/* 0 month, 1 quarter, 2 year */
	int		*num;		/* month 1-12, quarter 1-4, 0 */
	int		*loc, *ch;	/* -1: all */
	/*
	 * The table's lines: a parent cell and the cells that split it along
	 * one dimension (locations, channels, or time one level down).
	 */
	size_t		  nlines;
	size_t		 *parent;
	size_t		**child;
	size_t		 *nchild;
};

/* Fills y's lines: each parent cell with the cells that split it. */
void	make_lines(struct year *y);
/*
 * Decides one measure over a year: hidden[i] is set for the cells marked
 * in primary and for every cell whose publication would determine a
 * hidden one (or a small union or difference of two).
 */
void	audit_year(const struct year *y, const long long *n, long long k,
	    const unsigned char *primary, unsigned char *hidden);

/* Frees a set (and everything it owns) whatever its references. */
void	protect_set_free(struct protect_set *ps);

/*
 * The set as text, to keep (protect_persist.c); NULL when out of memory.
 * protect_deserialize reads it back for the data with this hash, or
 * returns NULL when the text is not a set this version wrote.
 */
char	*protect_serialize(const struct protect_set *ps);
struct protect_set *protect_deserialize(const char *text,
	    unsigned long long hash);

#endif
