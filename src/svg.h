/*
 * svg.h — the SVG writer behind every medres picture (dendrogram, Lorenz and
 * concentration curves, heat maps, choropleth maps).
 *
 * A picture is built into a StringInfo (palloc'd, grows as needed) and
 * returned as text.  The module guarantees that what it writes is
 * well-formed XML 1.0 and renders the same in browsers and librsvg:
 *
 *   - user text (labels, titles, series names, Chinese province names) goes
 *     through svg_escape, which escapes markup characters and replaces what
 *     XML 1.0 does not allow (control characters, U+FFFE/U+FFFF, invalid
 *     UTF-8) by U+FFFD;
 *   - numbers go through svg_num: at most two decimals, no exponent, no
 *     "-0", and a coordinate that is not finite (or beyond 1e9) is an error
 *     (22003), never "nan" in an attribute;
 *   - no element has an id, so several pictures can be inlined into one
 *     HTML page (the report) without clashing.
 *
 * Attribute arguments named `attrs`, colours and dash patterns are markup
 * written verbatim: they must come from the program, never from the user.
 *
 * Usage, in a final function:
 *
 *     SvgOptions  o;
 *     StringInfoData buf;
 *
 *     svg_options_init(&o, 640, 400, "Lorenz curve", "Dark2");
 *     svg_parse_options(&o, opts_text, "options", SVG_OPT_COMMON, NULL, NULL, NULL);
 *     initStringInfo(&buf);
 *     svg_begin(&buf, o.width, o.height, o.title);
 *     svg_line(&buf, x1, y1, x2, y2, "#000000", 1, NULL);
 *     ...
 *     svg_end(&buf);
 *     PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
 */
#ifndef MEDRES_SVG_H
#define MEDRES_SVG_H

#include "medres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* ---------------------------------------------------------------------
 * Text and numbers
 * --------------------------------------------------------------------- */

/*
 * Append s (a NUL-terminated string in the database encoding) as XML
 * character data or attribute content: & < > " ' become entities; in a
 * UTF-8 database other characters are copied as they are, in any other
 * encoding they are converted and written as &#xNNNN; references (so the
 * SVG, which declares no encoding and is therefore UTF-8, stays right in
 * every encoding; SQL_ASCII bytes are read as UTF-8 where they are).
 * Characters XML 1.0 forbids, and bytes that are not UTF-8, become U+FFFD.
 */
extern void svg_escape(StringInfo buf, const char *s);

/* svg_escape of at most len bytes of s (s need not be NUL-terminated) */
extern void svg_escape_len(StringInfo buf, const char *s, int len);

/*
 * Append a coordinate or length: rounded to 0.01, trailing zeros dropped
 * ("12", "12.5", "-0.25"), never "-0".  22003 if v is not finite or
 * |v| > 1e9 (a drawing coordinate that large is a bug upstream).
 */
extern void svg_num(StringInfo buf, double v);

/*
 * Append a data value for a label: `digits` significant digits (1..15),
 * plain notation between 1e-4 and 1e15, exponent otherwise, trailing zeros
 * dropped; "NaN"/"Infinity" never reach here (22003).
 */
extern void svg_value(StringInfo buf, double v, int digits);

/* ---------------------------------------------------------------------
 * Colours and palettes
 * --------------------------------------------------------------------- */

typedef struct SvgRGB
{
	uint8		r,
				g,
				b;
} SvgRGB;

/* "#rrggbb" of c into out (8 bytes with the NUL) */
extern void svg_hex(SvgRGB c, char out[8]);

typedef enum SvgPaletteKind
{
	SVG_SEQUENTIAL,				/* light to dark: one quantity */
	SVG_DIVERGING,				/* dark - light - dark: deviation from a midpoint */
	SVG_QUALITATIVE				/* distinct hues: classes, series */
} SvgPaletteKind;

typedef struct SvgPalette
{
	const char *name;			/* as users spell it, e.g. "YlOrRd" */
	SvgPaletteKind kind;
	int			n;				/* stops */
	const SvgRGB *stops;
} SvgPalette;

/*
 * The palette called name (case-insensitive), or 22023 naming argname with
 * a hint listing the palettes.  Available:
 *   sequential  Blues Greens Oranges Purples Greys YlOrRd YlGnBu viridis
 *               (ColorBrewer 9-class schemes and matplotlib's viridis:
 *               each monotone in lightness, so readable in greyscale, and
 *               colour-blind safe)
 *   diverging   RdBu BrBG PuOr (ColorBrewer 11-class, colour-blind safe)
 *   qualitative Dark2 Set2 (ColorBrewer 8-class) and okabe_ito (Okabe and
 *               Ito's 8 colours for colour-blind readers)
 */
extern const SvgPalette *svg_palette_lookup(const char *name, const char *argname);

/*
 * Continuous scale: the colour at t in [0, 1] (clamped; NaN -> 0),
 * interpolated linearly in sRGB between the palette's evenly spaced stops.
 * A qualitative palette is not interpolated: t picks the nearest stop.
 */
extern SvgRGB svg_palette_at(const SvgPalette *p, double t);

/*
 * Where v lies on a scale from lo to hi, as t in [0, 1] (clamped; 0.5 when
 * hi <= lo), computed without overflow for any finite lo, hi and v.
 */
extern double svg_scale_t(double v, double lo, double hi);

/*
 * Discrete classes: the colour of class i of k (0 <= i < k), class 0 the
 * lightest (sequential) or the first end (diverging).  Sequential palettes
 * are sampled evenly from t = 1/8 (their lightest stop is nearly the white
 * background) to 1, diverging ones end to end (k = 1: t = 0.6 and 0.5);
 * qualitative palettes give their colours in order, cycling past n (the
 * caller should then vary something else too, e.g. svg_dash).
 */
extern SvgRGB svg_palette_class(const SvgPalette *p, int i, int k);

/*
 * A stroke-dasharray for series i (NULL for i % 4 == 0, a solid line), so
 * that series stay apart in greyscale print and for colour-blind readers.
 */
extern const char *svg_dash(int i);

/* ---------------------------------------------------------------------
 * Document and primitives.  fill/stroke: "#rrggbb" or "none"; NULL leaves
 * the attribute out (inherit).  width <= 0: no stroke-width attribute.
 * --------------------------------------------------------------------- */

/*
 * <svg> with width, height and viewBox "0 0 width height", sans-serif 12px
 * text, a <title> (the tooltip and accessible name; omitted if title is
 * NULL or empty) and a white background.
 */
extern void svg_begin(StringInfo buf, double width, double height, const char *title);
extern void svg_end(StringInfo buf);

/* <g attrs> ... </g>; attrs is markup (may be NULL) */
extern void svg_group_begin(StringInfo buf, const char *attrs);
extern void svg_group_end(StringInfo buf);

extern void svg_line(StringInfo buf, double x1, double y1, double x2, double y2,
					 const char *stroke, double width, const char *dash);
extern void svg_rect(StringInfo buf, double x, double y, double w, double h,
					 const char *fill, const char *stroke, double width);
extern void svg_circle(StringInfo buf, double cx, double cy, double r,
					   const char *fill, const char *stroke, double width);

/* an open polyline through n points (x[i], y[i]) */
extern void svg_polyline(StringInfo buf, const double *x, const double *y, int n,
						 const char *stroke, double width, const char *dash);

/*
 * A path built piecewise: svg_path_begin writes <path ... d=", then
 * svg_path_move / svg_path_lineto / svg_path_close add commands (absolute
 * M, L, Z), and svg_path_end closes the element.  fill_rule "evenodd"
 * (polygons with holes, multipolygons) or NULL.  A <title> (tooltip) is
 * added when tooltip is not NULL.
 */
extern void svg_path_begin(StringInfo buf, const char *fill, const char *stroke, double width,
						   const char *fill_rule);
extern void svg_path_move(StringInfo buf, double x, double y);
extern void svg_path_lineto(StringInfo buf, double x, double y);
extern void svg_path_close(StringInfo buf);
extern void svg_path_end(StringInfo buf, const char *tooltip);

#define SVG_START	"start"
#define SVG_MIDDLE	"middle"
#define SVG_END		"end"

/*
 * <text> at (x, y) (y the baseline) with text-anchor anchor (NULL: start),
 * extra markup attrs (e.g. "font-size=\"14\"", may be NULL) and the escaped
 * user text s.  rotate != 0 turns it about (x, y) by that many degrees.
 */
extern void svg_text(StringInfo buf, double x, double y, const char *anchor, double rotate,
					 const char *attrs, const char *s);

/* the visible title: centred at the top, bold 14px; nothing if empty */
extern void svg_title(StringInfo buf, double width, const char *title);

/*
 * A rough width in pixels of s at font size px (CJK and other wide
 * characters count double): for laying out labels before drawing.
 */
extern double svg_text_width(const char *s, double px);

/* ---------------------------------------------------------------------
 * Axes and legends
 * --------------------------------------------------------------------- */

/*
 * "Nice" tick values (1, 2, 2.5 or 5 times a power of ten) covering
 * [lo, hi], at most max_ticks of them, into ticks; returns how many.
 */
extern int	svg_nice_ticks(double lo, double hi, int max_ticks, double *ticks);

/* one legend entry: a swatch (line = false) or a line sample (series) */
typedef struct SvgLegendItem
{
	const char *label;			/* user text, escaped when drawn */
	char		color[8];		/* "#rrggbb" */
	bool		line;			/* a short line (with dash) instead of a square */
	const char *dash;			/* stroke-dasharray for a line, or NULL */
} SvgLegendItem;

/*
 * A discrete legend at (x, y) (top left): an optional heading, then one
 * row per item, 18px apart.  Returns the height used.
 */
extern double svg_legend(StringInfo buf, double x, double y, const char *heading,
						 const SvgLegendItem *items, int n);

/* the width svg_legend would need for these items and heading */
extern double svg_legend_width(const char *heading, const SvgLegendItem *items, int n);

/*
 * A continuous colour scale: a vertical bar of w x h at (x, y) (top left)
 * whose top is hi and bottom lo, drawn as 64 bands of
 * svg_palette_at(p, t), with nice ticks and their values (digits
 * significant digits) on its right, and an optional heading above.
 */
extern void svg_colorbar(StringInfo buf, double x, double y, double w, double h,
						 const SvgPalette *p, double lo, double hi, int digits,
						 const char *heading);

/* ---------------------------------------------------------------------
 * Options: a jsonb object, e.g. '{"title": "Beds", "width": 800}'
 * --------------------------------------------------------------------- */

/* the common keys; svg_parse_options accepts those in its `allowed` mask */
#define SVG_OPT_WIDTH		0x0001	/* number, 100..10000 */
#define SVG_OPT_HEIGHT		0x0002	/* number, 100..10000 */
#define SVG_OPT_TITLE		0x0004	/* string ("" for none) */
#define SVG_OPT_PALETTE		0x0008	/* string, a palette name */
#define SVG_OPT_DIGITS		0x0010	/* integer 1..15: significant digits of labels */
#define SVG_OPT_XLABEL		0x0020	/* string: x axis title */
#define SVG_OPT_YLABEL		0x0040	/* string: y axis title */
#define SVG_OPT_LEGEND		0x0080	/* string: legend heading */
#define SVG_OPT_MIN			0x0100	/* number: low end of the colour scale */
#define SVG_OPT_MAX			0x0200	/* number: high end of the colour scale */
#define SVG_OPT_COMMON		(SVG_OPT_WIDTH | SVG_OPT_HEIGHT | SVG_OPT_TITLE | SVG_OPT_PALETTE)

typedef struct SvgOptions
{
	double		width;
	double		height;
	char	   *title;			/* never NULL; "" means no title */
	const SvgPalette *palette;
	int			digits;
	char	   *xlabel;			/* NULL unless given */
	char	   *ylabel;
	char	   *legend;
	bool		has_min,
				has_max;
	double		min,
				max;
	int			seen;			/* SVG_OPT_* bits of the keys given */
} SvgOptions;

/* defaults: a size, a title (copied) and a palette name (must exist); 3 digits */
extern void svg_options_init(SvgOptions *o, double width, double height, const char *title,
							 const char *palette);

/*
 * A chart's own keys: called for every key that is not a common one (or a
 * common one outside `allowed`); returns true if it took the key.  v is the
 * key's value (jbvString, jbvNumeric, jbvBool, jbvNull, or jbvBinary for
 * arrays/objects: see svg_opt_number_array).  A JSON null means "the
 * default": the hook should take its key and change nothing.
 */
typedef bool (*SvgOptionHook) (const char *key, JsonbValue *v, void *arg);

/*
 * Parse opts (a jsonb object's text, as svg_options_text stores it; NULL or
 * "" for none) into o.  Any key that neither the common parser (in
 * allowed) nor the hook takes, a value of the wrong type or out of range,
 * and opts that are not an object: 22023 naming argname and the key, with
 * a hint listing the valid keys (common ones plus hook_keys, a string such
 * as "k, cut_height"; may be NULL).
 */
extern void svg_parse_options(SvgOptions *o, const char *opts, const char *argname,
							  int allowed, SvgOptionHook hook, void *hook_arg,
							  const char *hook_keys);

/*
 * The canonical text of a jsonb options argument, to keep in an aggregate
 * state (a pointer-free string that serializes as it is and is parsed again,
 * validated, by svg_parse_options in the final function).
 */
extern char *svg_options_text(Jsonb *opts);

/*
 * An aggregate's options are fixed by its first row: keep that text in
 * *kept (allocated in cxt), and raise 22023 if a later row or a partial
 * state from another process gives different options.
 */
extern void svg_options_keep(MemoryContext cxt, char **kept, const char *options);

/* value helpers for hooks; each raises 22023 naming argname and key */
extern double svg_opt_number(JsonbValue *v, const char *argname, const char *key,
							 double lo, double hi);
extern char *svg_opt_string(JsonbValue *v, const char *argname, const char *key);

/* a JSON array of numbers (each finite) as a palloc'd array; *n gets its length */
extern double *svg_opt_number_array(JsonbValue *v, const char *argname, const char *key, int *n);

/* 22023 for an option whose value is wrong: "invalid value for option "key" of argname: ..." */
pg_noreturn extern void svg_opt_invalid(const char *argname, const char *key, const char *detail);

#endif							/* MEDRES_SVG_H */
