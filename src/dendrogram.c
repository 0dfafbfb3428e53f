/*
 * dendrogram.c — the tree of a hierarchical clustering (cluster.c) as text:
 * a Newick string (hclust_newick) and an SVG dendrogram (hclust_svg), drawn
 * through svg.c.  Rendering only: cluster.c builds the tree.
 *
 * The dendrogram is drawn as SPSS prints it: leaf labels on the left,
 * merges at their "Rescaled Distance Cluster Combine" on an axis 0..25
 * along the top.  hclust_svg's options add a title (by default naming the
 * linkage, the distance and the standardisation) and a cut, at k clusters
 * or at a height, drawn as a dashed line with each cluster's branches and
 * labels in its own colour and a legend of the clusters.
 */
#include "medres.h"
#include "svg.h"

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"

static void *
tree_array(Size count, Size size)
{
	return medres_alloc_huge(CurrentMemoryContext, Max(count, 1), size, "the dendrogram");
}

/* ---------------------------------------------------------------------
 * Newick
 * --------------------------------------------------------------------- */

static void
append_shortest_double(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

/* a Newick label: bare when it can be, else single-quoted with '' for ' */
static void
append_newick_label(StringInfo buf, const char *s)
{
	bool		bare = *s != '\0';

	for (const char *p = s; *p; p++)
		if (strchr(" \t\n\r()[]':;,_", *p))
			bare = false;
	if (bare)
	{
		appendStringInfoString(buf, s);
		return;
	}
	appendStringInfoChar(buf, '\'');
	for (const char *p = s; *p; p++)
	{
		if (*p == '\'')
			appendStringInfoChar(buf, '\'');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '\'');
}

/*
 * The leaves in drawing order (left subtree first) and, per node, its
 * height; walked with an explicit stack, as a chain-shaped tree (single
 * linkage) is as deep as it has leaves.
 */
static int *
leaf_order(const Merge *m, int n)
{
	int		   *order = tree_array(n, sizeof(int));
	int		   *stack = tree_array((Size) 2 * n, sizeof(int));
	int			top = 0,
				cnt = 0;

	stack[top++] = 2 * n - 2;
	while (top > 0)
	{
		int			v = stack[--top];

		if (v < n)
			order[cnt++] = v;
		else
		{
			stack[top++] = m[v - n].right;
			stack[top++] = m[v - n].left;
		}
	}
	pfree(stack);
	return order;
}

/*
 * Newick: "(A:1,B:1):0.5;" with branch lengths parent height - child
 * height, so the leaves sit at distance height-of-root from the root.
 */
char *
medres_tree_newick(const Merge *m, int n, char **labels, int hexp, const MedresTreeInfo *info)
{
	StringInfoData buf;
	int		   *stack = tree_array((Size) 4 * n, sizeof(int));	/* node, state pairs */
	int			top = 0;

	initStringInfo(&buf);
	if (n == 1)
	{
		append_newick_label(&buf, labels[0]);
		appendStringInfoChar(&buf, ';');
		return buf.data;
	}
	/* state 0: open; 1: after the left child; 2: after the right child */
	stack[top++] = 2 * n - 2;
	stack[top++] = 0;
	while (top > 0)
	{
		int			state = stack[--top];
		int			v = stack[--top];

		if (v < n)
		{
			append_newick_label(&buf, labels[v]);
			appendStringInfoChar(&buf, ':');
			append_shortest_double(&buf, medres_reported_height(m[stack[top - 2] - n].height, hexp));
			continue;
		}
		if (state == 0)
		{
			appendStringInfoChar(&buf, '(');
			stack[top++] = v;
			stack[top++] = 1;
			stack[top++] = m[v - n].left;
			stack[top++] = 0;
		}
		else if (state == 1)
		{
			appendStringInfoChar(&buf, ',');
			stack[top++] = v;
			stack[top++] = 2;
			stack[top++] = m[v - n].right;
			stack[top++] = 0;
		}
		else
		{
			appendStringInfoChar(&buf, ')');
			if (top > 0)
			{
				appendStringInfoChar(&buf, ':');
				/* the difference in scaled units, then scaled: it may be finite where the heights are not */
				append_shortest_double(&buf, medres_reported_height(m[stack[top - 2] - n].height -
															 m[v - n].height, hexp));
			}
		}
	}
	appendStringInfoChar(&buf, ';');
	pfree(stack);
	return buf.data;
}

/* ---------------------------------------------------------------------
 * SVG
 * --------------------------------------------------------------------- */

#define DG_ROW		18.0		/* pixels per leaf */
#define DG_SCALE	20.0		/* pixels per unit of rescaled distance */
#define DG_LEGEND_MAX 24		/* clusters listed in the legend, at most */

/*
 * SPSS rescales "preserving the ratio of the distances between steps":
 * linearly, the lowest merge at 1 and the highest at 25, the leaves at 0.
 * The drawing depends on the heights only through this function, which a
 * common factor does not change: it uses build_tree's scaled heights (hexp
 * unused), finite even where the true ones are not.
 */
static double
rescaled_distance(double h, double hmin, double hmax)
{
	return hmax > hmin ? 1.0 + 24.0 * (h - hmin) / (hmax - hmin) : 25.0;
}

static const char *
metric_title(const char *metric)
{
	if (strcmp(metric, "sqeuclidean") == 0)
		return "squared Euclidean distance";
	if (strcmp(metric, "euclidean") == 0)
		return "Euclidean distance";
	if (strcmp(metric, "manhattan") == 0)
		return "Manhattan distance";
	if (strcmp(metric, "chebyshev") == 0)
		return "Chebyshev distance";
	return "cosine distance";
}

static const char *
standardize_title(const char *standardize)
{
	if (strcmp(standardize, "zscore") == 0)
		return ", z-scores";
	if (strcmp(standardize, "range") == 0)
		return ", ranges [0, 1]";
	return "";
}

/* hclust_svg's own options: k or cut_height */
typedef struct DendrogramCut
{
	int			n;
	double		k;				/* 0: not given */
	double		height;
	bool		has_height;
} DendrogramCut;

static bool
dendrogram_option(const char *key, JsonbValue *v, void *arg)
{
	DendrogramCut *c = (DendrogramCut *) arg;

	if (strcmp(key, "k") == 0)
	{
		if (v->type != jbvNull)
		{
			c->k = svg_opt_number(v, "options", key, 1, Max(c->n, 1));
			if (c->k != floor(c->k))
				svg_opt_invalid("options", key, "Option k must be a whole number of clusters.");
		}
		return true;
	}
	if (strcmp(key, "cut_height") == 0)
	{
		if (v->type != jbvNull)
		{
			c->height = svg_opt_number(v, "options", key, -DBL_MAX, DBL_MAX);
			if (c->height < 0)
				svg_opt_invalid("options", key, "Option cut_height must not be negative.");
			c->has_height = true;
		}
		return true;
	}
	return false;
}

char *
medres_tree_svg(const Merge *m, int n, char **labels, int hexp, const MedresTreeInfo *info)
{
	StringInfoData buf;
	SvgOptions	o;
	DendrogramCut cut = {n, 0, 0, false};
	int		   *order = n > 1 ? leaf_order(m, n) : NULL;
	double	   *ypos = tree_array((Size) 2 * n, sizeof(double));
	int		   *cluster = NULL; /* per node: its cluster 1.., or 0 above the cut */
	int			applied = 0,
				nclusters = 0;
	double		hmin = 0.0,
				hmax = 0.0,
				label_width = 0.0,
				legend_width = 0.0,
				scale = DG_SCALE,
				row = DG_ROW,
				x0,
				top,
				width,
				height,
				cut_x = 0.0;
	SvgLegendItem *items = NULL;
	char	   *title;

	title = psprintf("Dendrogram: %s linkage, %s%s", info->linkage, metric_title(info->metric),
					 standardize_title(info->standardize));
	svg_options_init(&o, 0, 0, title, "Dark2");
	svg_parse_options(&o, info->options, "options", SVG_OPT_COMMON, dendrogram_option, &cut,
					  "k, cut_height");
	if (cut.k > 0 && cut.has_height)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"options\": both k and cut_height are given"),
				 errhint("Cut the tree either into k clusters or at a height.")));

	for (int s = 0; s < n - 1; s++)
	{
		hmin = s == 0 ? m[s].height : Min(hmin, m[s].height);
		hmax = s == 0 ? m[s].height : Max(hmax, m[s].height);
	}

	/*
	 * The cut: the merges applied (cluster.c's cut_tree: the first n - k, or
	 * in step order those up to the first above the height), and where its
	 * line goes: between the last merge applied and the next, or at the
	 * height itself.
	 */
	if (cut.k > 0 || cut.has_height)
	{
		int		   *parent = tree_array(n, sizeof(int));
		int		   *rep = tree_array((Size) 2 * n, sizeof(int));
		int		   *number = tree_array(n, sizeof(int));

		if (cut.k > 0)
			applied = n - (int) cut.k;
		else
		{
			while (applied < n - 1 && !(ldexp(m[applied].height, hexp) > cut.height))
				applied++;
		}
		for (int i = 0; i < n; i++)
		{
			parent[i] = i;
			rep[i] = i;
			number[i] = 0;
		}
		for (int s = 0; s < applied; s++)
		{
			int			a = rep[m[s].left],
						b = rep[m[s].right];

			while (parent[a] != a)
				a = parent[a] = parent[parent[a]];
			while (parent[b] != b)
				b = parent[b] = parent[parent[b]];
			parent[a] = b;
			rep[n + s] = b;
		}
		/* numbers by first appearance from the top of the drawing */
		cluster = tree_array((Size) 2 * n, sizeof(int));
		for (int r = 0; r < n; r++)
		{
			int			leaf = order ? order[r] : 0,
						a = leaf;

			while (parent[a] != a)
				a = parent[a];
			if (number[a] == 0)
				number[a] = ++nclusters;
			cluster[leaf] = number[a];
		}
		for (int s = 0; s < n - 1; s++)
			cluster[n + s] = s < applied ? cluster[rep[n + s]] : 0;
		if (cut.has_height && hmax > hmin)
			cut_x = rescaled_distance(ldexp(cut.height, -hexp), hmin, hmax);
		else if (cut.has_height)	/* one leaf, or every merge at one height */
			cut_x = applied > 0 ? 25.75 : 0.5;
		else
		{
			double		lo = applied > 0 ? rescaled_distance(m[applied - 1].height, hmin, hmax) : 0.0,
						hi = applied < n - 1 ? rescaled_distance(m[applied].height, hmin, hmax) : 26.0;

			cut_x = hi > lo ? (lo + hi) / 2 : lo;
		}
		cut_x = Max(0.25, Min(cut_x, 25.75));
		if (!isfinite(cut_x))
			cut_x = 25.75;
		if (nclusters <= DG_LEGEND_MAX)
		{
			int		   *members = tree_array(nclusters + 1, sizeof(int));

			memset(members, 0, sizeof(int) * (nclusters + 1));
			for (int i = 0; i < n; i++)
				members[cluster[i]]++;
			items = palloc0(sizeof(SvgLegendItem) * nclusters);
			for (int c = 0; c < nclusters; c++)
			{
				items[c].label = psprintf("%d (%d %s)", c + 1, members[c + 1],
										  members[c + 1] == 1 ? "unit" : "units");
				svg_hex(svg_palette_class(o.palette, c, nclusters), items[c].color);
			}
			legend_width = svg_legend_width("Clusters", items, nclusters) + 24;
		}
	}

	/* the layout: labels, then the 0..25 axis, then the legend */
	for (int i = 0; i < n; i++)
		label_width = Max(label_width, svg_text_width(labels[i], 12));
	x0 = 16 + Min(label_width, 400.0);
	top = (o.title[0] != '\0' ? 34 : 0) + 44;
	if (o.seen & SVG_OPT_WIDTH)
		scale = Max(4.0, (o.width - x0 - 24 - legend_width) / 25);
	width = x0 + 25 * scale + 24 + legend_width;
	if (o.seen & SVG_OPT_WIDTH)
		width = Max(width, o.width);
	else
		width = Max(width, svg_text_width(o.title, 15) + 20);
	if (o.seen & SVG_OPT_HEIGHT)
		row = Max(4.0, (o.height - top - 12) / n);
	height = Max(top + n * row + 12, top + (nclusters + 1) * 18.0 + 12);
	if (o.seen & SVG_OPT_HEIGHT)
		height = Max(height, o.height);

	initStringInfo(&buf);
	svg_begin(&buf, width, height, o.title);
	svg_title(&buf, width, o.title);
	svg_text(&buf, x0 + 25 * scale / 2, top - 30, SVG_MIDDLE, 0, NULL,
			 "Rescaled Distance Cluster Combine");
	svg_group_begin(&buf, "class=\"axis\" stroke=\"#000000\" stroke-width=\"1\"");
	svg_line(&buf, x0, top - 8, x0 + 25 * scale, top - 8, NULL, 0, NULL);
	for (int t = 0; t <= 25; t += 5)
		svg_line(&buf, x0 + t * scale, top - 12, x0 + t * scale, top - 8, NULL, 0, NULL);
	svg_group_end(&buf);
	svg_group_begin(&buf, "class=\"ticks\" text-anchor=\"middle\"");
	for (int t = 0; t <= 25; t += 5)
	{
		char		lab[8];

		snprintf(lab, sizeof(lab), "%d", t);
		svg_text(&buf, x0 + t * scale, top - 16, NULL, 0, NULL, lab);
	}
	svg_group_end(&buf);

	/* the unit labels, in the tree's order, coloured by cluster under a cut */
	svg_group_begin(&buf, "class=\"labels\" text-anchor=\"end\"");
	for (int r = 0; r < n; r++)
	{
		int			leaf = order ? order[r] : 0;
		char	   *attrs = NULL;

		ypos[leaf] = top + row * r + row / 2.0;
		if (cluster != NULL)
		{
			char		hex[8];

			svg_hex(svg_palette_class(o.palette, cluster[leaf] - 1, nclusters), hex);
			attrs = psprintf("fill=\"%s\"", hex);
		}
		svg_text(&buf, x0 - 6, ypos[leaf] + 4, NULL, 0, attrs, labels[leaf]);
	}
	svg_group_end(&buf);

	/* the merges: one path each, in a cluster's colour below the cut */
	svg_group_begin(&buf, "class=\"merges\" stroke=\"#000000\" stroke-width=\"1.2\" fill=\"none\"");
	for (int s = 0; s < n - 1; s++)
	{
		int			l = m[s].left,
					r = m[s].right;
		double		xs = x0 + scale * rescaled_distance(m[s].height, hmin, hmax);
		double		xl = l < n ? x0 : x0 + scale * rescaled_distance(m[l - n].height, hmin, hmax);
		double		xr = r < n ? x0 : x0 + scale * rescaled_distance(m[r - n].height, hmin, hmax);
		char		hex[8];

		ypos[n + s] = 0.5 * (ypos[l] + ypos[r]);
		if (cluster != NULL && cluster[n + s] > 0)
		{
			svg_hex(svg_palette_class(o.palette, cluster[n + s] - 1, nclusters), hex);
			svg_path_begin(&buf, NULL, hex, 2, NULL);
		}
		else
			svg_path_begin(&buf, NULL, NULL, 0, NULL);
		svg_path_move(&buf, xl, ypos[l]);
		svg_path_lineto(&buf, xs, ypos[l]);
		svg_path_lineto(&buf, xs, ypos[r]);
		svg_path_lineto(&buf, xr, ypos[r]);
		svg_path_end(&buf, NULL);
	}
	svg_group_end(&buf);

	if (cluster != NULL)
	{
		char	   *what;
		StringInfoData v;

		initStringInfo(&v);
		if (cut.has_height)
		{
			appendStringInfoString(&v, "height ");
			svg_value(&v, cut.height, o.digits);
		}
		else
			appendStringInfo(&v, "k = %d", (int) cut.k);
		what = v.data;
		svg_group_begin(&buf, "class=\"cut\"");
		svg_line(&buf, x0 + scale * cut_x, top - 4, x0 + scale * cut_x, top + n * row,
				 "#333333", 1.2, "5 4");
		svg_text(&buf, x0 + scale * cut_x + 3, top + n * row + 10, SVG_START, 0,
				 "font-size=\"10\"", what);
		svg_group_end(&buf);
		if (items != NULL)
			svg_legend(&buf, x0 + 25 * scale + 24, top, "Clusters", items, nclusters);
	}
	svg_end(&buf);
	return buf.data;
}
