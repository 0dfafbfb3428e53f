/*
 * svg.c — the SVG writer shared by medres's pictures (see svg.h for the API
 * and its guarantees): escaping of user text, compact finite numbers,
 * primitives, palettes, legends and the jsonb options parser.
 *
 * Palettes: ColorBrewer 2.0 (Cynthia Brewer, Mark Harrower, Pennsylvania
 * State University; colorbrewer2.org), the 9-class sequential and
 * 11-class diverging schemes and the 8-class qualitative ones; viridis as
 * R's viridisLite::viridis(9) samples matplotlib's map (van der Walt and
 * Smith); Okabe and Ito, "Color Universal Design" (2002).  Interpolating
 * between ColorBrewer's evenly spaced stops in sRGB keeps the lightness
 * monotone, which is what greyscale readers need.
 */
#include "svg.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include <math.h>

/* ---------------------------------------------------------------------
 * Text
 * --------------------------------------------------------------------- */

/* XML 1.0 section 2.2, production [2] Char */
static inline bool
xml_char_ok(pg_wchar c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
		(c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

#define REPLACEMENT_UTF8 "\xEF\xBF\xBD"	/* U+FFFD */

/* s is UTF-8 (validated here); raw: copy non-ASCII bytes, else &#x..; */
static void
escape_utf8(StringInfo buf, const char *s, int len, bool raw)
{
	int			i = 0;

	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x80)
		{
			switch (c)
			{
				case '&':
					appendStringInfoString(buf, "&amp;");
					break;
				case '<':
					appendStringInfoString(buf, "&lt;");
					break;
				case '>':
					appendStringInfoString(buf, "&gt;");
					break;
				case '"':
					appendStringInfoString(buf, "&quot;");
					break;
				case '\'':
					appendStringInfoString(buf, "&#39;");
					break;
				case '\t':
				case '\n':
				case '\r':
					/* as references, so attribute values keep them */
					appendStringInfo(buf, "&#x%X;", c);
					break;
				default:
					if (c < 0x20 || c == 0x7F)
						appendStringInfoString(buf, raw ? REPLACEMENT_UTF8 : "&#xFFFD;");
					else
						appendStringInfoChar(buf, (char) c);
			}
			i++;
			continue;
		}
		{
			int			l = pg_utf_mblen((const unsigned char *) s + i);
			pg_wchar	cp;

			if (l > len - i || !pg_utf8_islegal((const unsigned char *) s + i, l))
			{
				appendStringInfoString(buf, raw ? REPLACEMENT_UTF8 : "&#xFFFD;");
				i++;
				continue;
			}
			cp = utf8_to_unicode((const unsigned char *) s + i);
			/* C1 controls are legal XML 1.0 but discouraged and invisible: replace too */
			if (!xml_char_ok(cp) || (cp >= 0x80 && cp <= 0x9F))
				appendStringInfoString(buf, raw ? REPLACEMENT_UTF8 : "&#xFFFD;");
			else if (raw)
				appendBinaryStringInfo(buf, s + i, l);
			else
				appendStringInfo(buf, "&#x%X;", (unsigned int) cp);
			i += l;
		}
	}
}

void
svg_escape_len(StringInfo buf, const char *s, int len)
{
	if (s == NULL || len <= 0)
		return;
	if (GetDatabaseEncoding() == PG_UTF8)
		escape_utf8(buf, s, len, true);
	else if (GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		/*
		 * Bytes of no declared encoding: read as UTF-8 where they are (as
		 * references), U+FFFD where they are not.  pg_server_to_any would
		 * raise an error on them instead.
		 */
		escape_utf8(buf, s, len, false);
	}
	else
	{
		/*
		 * Other encodings: to UTF-8 for the code points, then references for
		 * everything outside ASCII.
		 */
		char	   *u = pg_server_to_any(s, len, PG_UTF8);

		escape_utf8(buf, u, u == s ? len : (int) strlen(u), false);
		if (u != s)
			pfree(u);
	}
}

void
svg_escape(StringInfo buf, const char *s)
{
	if (s != NULL)
		svg_escape_len(buf, s, (int) strlen(s));
}

/* ---------------------------------------------------------------------
 * Numbers
 * --------------------------------------------------------------------- */

#define SVG_COORD_MAX 1e9

static void
strip_zeros(char *tmp)
{
	char	   *dot = strchr(tmp, '.');

	if (dot != NULL)
	{
		char	   *end = tmp + strlen(tmp) - 1;

		while (end > dot && *end == '0')
			*end-- = '\0';
		if (end == dot)
			*end = '\0';
	}
}

void
svg_num(StringInfo buf, double v)
{
	char		tmp[64];

	if (!(fabs(v) <= SVG_COORD_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a drawing coordinate is out of range: \"%s\"", medres_float_text(v))));
	v = round(v * 100.0) / 100.0;
	if (v == 0.0)
		v = 0.0;				/* no "-0" */
	snprintf(tmp, sizeof(tmp), "%.2f", v);
	strip_zeros(tmp);
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	appendStringInfoString(buf, tmp);
}

void
svg_value(StringInfo buf, double v, int digits)
{
	char		tmp[64];
	double		a = fabs(v);

	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cannot label a value that is not finite: \"%s\"", medres_float_text(v))));
	digits = Max(1, Min(digits, 15));
	if (a == 0.0)
		strcpy(tmp, "0");
	else if (a >= 1e-4 && a < 1e15)
	{
		int			mag = (int) floor(log10(a));
		int			dec = Max(0, digits - 1 - mag);

		snprintf(tmp, sizeof(tmp), "%.*f", dec, v);
		strip_zeros(tmp);
		if (strcmp(tmp, "-0") == 0)
			strcpy(tmp, "0");
	}
	else
	{
		char		expo[16];
		char	   *e;

		snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, v);
		/* "1.50e-07" -> "1.5e-07" */
		e = strchr(tmp, 'e');
		if (e != NULL)
		{
			strlcpy(expo, e, sizeof(expo));
			*e = '\0';
			strip_zeros(tmp);
			strlcat(tmp, expo, sizeof(tmp));
		}
	}
	appendStringInfoString(buf, tmp);
}

/* ---------------------------------------------------------------------
 * Palettes
 * --------------------------------------------------------------------- */

#define H(x) {((x) >> 16) & 0xFF, ((x) >> 8) & 0xFF, (x) & 0xFF}

static const SvgRGB blues[] = {H(0xf7fbff), H(0xdeebf7), H(0xc6dbef), H(0x9ecae1), H(0x6baed6),
H(0x4292c6), H(0x2171b5), H(0x08519c), H(0x08306b)};
static const SvgRGB greens[] = {H(0xf7fcf5), H(0xe5f5e0), H(0xc7e9c0), H(0xa1d99b), H(0x74c476),
H(0x41ab5d), H(0x238b45), H(0x006d2c), H(0x00441b)};
static const SvgRGB oranges[] = {H(0xfff5eb), H(0xfee6ce), H(0xfdd0a2), H(0xfdae6b), H(0xfd8d3c),
H(0xf16913), H(0xd94801), H(0xa63603), H(0x7f2704)};
static const SvgRGB purples[] = {H(0xfcfbfd), H(0xefedf5), H(0xdadaeb), H(0xbcbddc), H(0x9e9ac8),
H(0x807dba), H(0x6a51a3), H(0x54278f), H(0x3f007d)};
static const SvgRGB greys[] = {H(0xffffff), H(0xf0f0f0), H(0xd9d9d9), H(0xbdbdbd), H(0x969696),
H(0x737373), H(0x525252), H(0x252525), H(0x000000)};
static const SvgRGB ylorrd[] = {H(0xffffcc), H(0xffeda0), H(0xfed976), H(0xfeb24c), H(0xfd8d3c),
H(0xfc4e2a), H(0xe31a1c), H(0xbd0026), H(0x800026)};
static const SvgRGB ylgnbu[] = {H(0xffffd9), H(0xedf8b1), H(0xc7e9b4), H(0x7fcdbb), H(0x41b6c4),
H(0x1d91c0), H(0x225ea8), H(0x253494), H(0x081d58)};
static const SvgRGB viridis[] = {H(0x440154), H(0x472d7b), H(0x3b528b), H(0x2c728e), H(0x21908c),
H(0x27ad81), H(0x5dc863), H(0xaadc32), H(0xfde725)};
static const SvgRGB rdbu[] = {H(0x67001f), H(0xb2182b), H(0xd6604d), H(0xf4a582), H(0xfddbc7),
	H(0xf7f7f7), H(0xd1e5f0), H(0x92c5de), H(0x4393c3), H(0x2166ac),
H(0x053061)};
static const SvgRGB brbg[] = {H(0x543005), H(0x8c510a), H(0xbf812d), H(0xdfc27d), H(0xf6e8c3),
	H(0xf5f5f5), H(0xc7eae5), H(0x80cdc1), H(0x35978f), H(0x01665e),
H(0x003c30)};
static const SvgRGB puor[] = {H(0x7f3b08), H(0xb35806), H(0xe08214), H(0xfdb863), H(0xfee0b6),
	H(0xf7f7f7), H(0xd8daeb), H(0xb2abd2), H(0x8073ac), H(0x542788),
H(0x2d004b)};
static const SvgRGB dark2[] = {H(0x1b9e77), H(0xd95f02), H(0x7570b3), H(0xe7298a), H(0x66a61e),
H(0xe6ab02), H(0xa6761d), H(0x666666)};
static const SvgRGB set2[] = {H(0x66c2a5), H(0xfc8d62), H(0x8da0cb), H(0xe78ac3), H(0xa6d854),
H(0xffd92f), H(0xe5c494), H(0xb3b3b3)};
static const SvgRGB okabe_ito[] = {H(0xe69f00), H(0x56b4e9), H(0x009e73), H(0xf0e442),
H(0x0072b2), H(0xd55e00), H(0xcc79a7), H(0x000000)};

#define PAL(name, kind, arr) {name, kind, lengthof(arr), arr}
static const SvgPalette palettes[] = {
	PAL("Blues", SVG_SEQUENTIAL, blues),
	PAL("Greens", SVG_SEQUENTIAL, greens),
	PAL("Oranges", SVG_SEQUENTIAL, oranges),
	PAL("Purples", SVG_SEQUENTIAL, purples),
	PAL("Greys", SVG_SEQUENTIAL, greys),
	PAL("YlOrRd", SVG_SEQUENTIAL, ylorrd),
	PAL("YlGnBu", SVG_SEQUENTIAL, ylgnbu),
	PAL("viridis", SVG_SEQUENTIAL, viridis),
	PAL("RdBu", SVG_DIVERGING, rdbu),
	PAL("BrBG", SVG_DIVERGING, brbg),
	PAL("PuOr", SVG_DIVERGING, puor),
	PAL("Dark2", SVG_QUALITATIVE, dark2),
	PAL("Set2", SVG_QUALITATIVE, set2),
	PAL("okabe_ito", SVG_QUALITATIVE, okabe_ito),
};

const SvgPalette *
svg_palette_lookup(const char *name, const char *argname)
{
	for (int i = 0; i < lengthof(palettes); i++)
		if (pg_strcasecmp(name, palettes[i].name) == 0)
			return &palettes[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, name),
			 errhint("Use a sequential palette (Blues, Greens, Oranges, Purples, Greys, YlOrRd, "
					 "YlGnBu, viridis), a diverging one (RdBu, BrBG, PuOr) or a qualitative one "
					 "(Dark2, Set2, okabe_ito).")));
	return NULL;
}

void
svg_hex(SvgRGB c, char out[8])
{
	snprintf(out, 8, "#%02x%02x%02x", c.r, c.g, c.b);
}

static inline uint8
lerp8(uint8 a, uint8 b, double f)
{
	return (uint8) lround(a + (b - (double) a) * f);
}

double
svg_scale_t(double v, double lo, double hi)
{
	double		t;

	if (!(hi > lo))
		return 0.5;
	/* halves first: hi - lo may exceed the double range (-1e308 .. 1e308) */
	t = (v / 2 - lo / 2) / (hi / 2 - lo / 2);
	return t > 0.0 ? (t < 1.0 ? t : 1.0) : 0.0;	/* also NaN -> 0 */
}

SvgRGB
svg_palette_at(const SvgPalette *p, double t)
{
	double		pos;
	int			i;
	double		f;
	SvgRGB		c;

	if (!(t > 0.0))				/* also NaN */
		t = 0.0;
	if (t > 1.0)
		t = 1.0;
	pos = t * (p->n - 1);
	if (p->kind == SVG_QUALITATIVE)
		return p->stops[(int) lround(pos)];
	i = (int) floor(pos);
	if (i >= p->n - 1)
		return p->stops[p->n - 1];
	f = pos - i;
	c.r = lerp8(p->stops[i].r, p->stops[i + 1].r, f);
	c.g = lerp8(p->stops[i].g, p->stops[i + 1].g, f);
	c.b = lerp8(p->stops[i].b, p->stops[i + 1].b, f);
	return c;
}

/*
 * Sequential classes start one stop in (t = 1/8 of the 9-class scheme):
 * ColorBrewer's lightest stop is nearly white and would vanish on the white
 * background; diverging ones use the whole scheme, symmetric about the
 * middle.
 */
SvgRGB
svg_palette_class(const SvgPalette *p, int i, int k)
{
	if (p->kind == SVG_QUALITATIVE)
		return p->stops[((i % p->n) + p->n) % p->n];
	if (k <= 1)
		return svg_palette_at(p, p->kind == SVG_SEQUENTIAL ? 0.6 : 0.5);
	if (p->kind == SVG_SEQUENTIAL)
		return svg_palette_at(p, 0.125 + 0.875 * i / (k - 1));
	return svg_palette_at(p, (double) i / (k - 1));
}

const char *
svg_dash(int i)
{
	static const char *const dashes[] = {NULL, "7 4", "2 3", "9 3 2 3"};

	return dashes[((i % 4) + 4) % 4];
}

/* ---------------------------------------------------------------------
 * Document and primitives
 * --------------------------------------------------------------------- */

static void
attr_num(StringInfo buf, const char *name, double v)
{
	appendStringInfo(buf, " %s=\"", name);
	svg_num(buf, v);
	appendStringInfoChar(buf, '"');
}

static void
attr_str(StringInfo buf, const char *name, const char *v)
{
	if (v != NULL)
		appendStringInfo(buf, " %s=\"%s\"", name, v);
}

static void
attr_paint(StringInfo buf, const char *fill, const char *stroke, double width, const char *dash)
{
	attr_str(buf, "fill", fill);
	attr_str(buf, "stroke", stroke);
	if (width > 0.0)
		attr_num(buf, "stroke-width", width);
	attr_str(buf, "stroke-dasharray", dash);
}

void
svg_begin(StringInfo buf, double width, double height, const char *title)
{
	appendStringInfoString(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	attr_num(buf, "width", width);
	attr_num(buf, "height", height);
	appendStringInfoString(buf, " viewBox=\"0 0 ");
	svg_num(buf, width);
	appendStringInfoChar(buf, ' ');
	svg_num(buf, height);
	appendStringInfoString(buf, "\" font-family=\"sans-serif\" font-size=\"12\">\n");
	if (title != NULL && title[0] != '\0')
	{
		appendStringInfoString(buf, "<title>");
		svg_escape(buf, title);
		appendStringInfoString(buf, "</title>\n");
	}
	svg_rect(buf, 0, 0, width, height, "#ffffff", NULL, 0);
}

void
svg_end(StringInfo buf)
{
	appendStringInfoString(buf, "</svg>\n");
}

void
svg_group_begin(StringInfo buf, const char *attrs)
{
	if (attrs != NULL && attrs[0] != '\0')
		appendStringInfo(buf, "<g %s>\n", attrs);
	else
		appendStringInfoString(buf, "<g>\n");
}

void
svg_group_end(StringInfo buf)
{
	appendStringInfoString(buf, "</g>\n");
}

void
svg_line(StringInfo buf, double x1, double y1, double x2, double y2,
		 const char *stroke, double width, const char *dash)
{
	appendStringInfoString(buf, "<line");
	attr_num(buf, "x1", x1);
	attr_num(buf, "y1", y1);
	attr_num(buf, "x2", x2);
	attr_num(buf, "y2", y2);
	attr_paint(buf, NULL, stroke, width, dash);
	appendStringInfoString(buf, "/>\n");
}

void
svg_rect(StringInfo buf, double x, double y, double w, double h,
		 const char *fill, const char *stroke, double width)
{
	appendStringInfoString(buf, "<rect");
	attr_num(buf, "x", x);
	attr_num(buf, "y", y);
	attr_num(buf, "width", Max(w, 0.0));
	attr_num(buf, "height", Max(h, 0.0));
	attr_paint(buf, fill, stroke, width, NULL);
	appendStringInfoString(buf, "/>\n");
}

void
svg_circle(StringInfo buf, double cx, double cy, double r,
		   const char *fill, const char *stroke, double width)
{
	appendStringInfoString(buf, "<circle");
	attr_num(buf, "cx", cx);
	attr_num(buf, "cy", cy);
	attr_num(buf, "r", Max(r, 0.0));
	attr_paint(buf, fill, stroke, width, NULL);
	appendStringInfoString(buf, "/>\n");
}

void
svg_polyline(StringInfo buf, const double *x, const double *y, int n,
			 const char *stroke, double width, const char *dash)
{
	appendStringInfoString(buf, "<polyline fill=\"none\"");
	attr_paint(buf, NULL, stroke, width, dash);
	appendStringInfoString(buf, " stroke-linejoin=\"round\" points=\"");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ' ');
		svg_num(buf, x[i]);
		appendStringInfoChar(buf, ',');
		svg_num(buf, y[i]);
	}
	appendStringInfoString(buf, "\"/>\n");
}

void
svg_path_begin(StringInfo buf, const char *fill, const char *stroke, double width,
			   const char *fill_rule)
{
	appendStringInfoString(buf, "<path");
	attr_paint(buf, fill, stroke, width, NULL);
	attr_str(buf, "fill-rule", fill_rule);
	appendStringInfoString(buf, " d=\"");
}

void
svg_path_move(StringInfo buf, double x, double y)
{
	appendStringInfoChar(buf, 'M');
	svg_num(buf, x);
	appendStringInfoChar(buf, ' ');
	svg_num(buf, y);
}

void
svg_path_lineto(StringInfo buf, double x, double y)
{
	appendStringInfoChar(buf, 'L');
	svg_num(buf, x);
	appendStringInfoChar(buf, ' ');
	svg_num(buf, y);
}

void
svg_path_close(StringInfo buf)
{
	appendStringInfoChar(buf, 'Z');
}

void
svg_path_end(StringInfo buf, const char *tooltip)
{
	if (tooltip != NULL)
	{
		appendStringInfoString(buf, "\"><title>");
		svg_escape(buf, tooltip);
		appendStringInfoString(buf, "</title></path>\n");
	}
	else
		appendStringInfoString(buf, "\"/>\n");
}

void
svg_text(StringInfo buf, double x, double y, const char *anchor, double rotate,
		 const char *attrs, const char *s)
{
	appendStringInfoString(buf, "<text");
	attr_num(buf, "x", x);
	attr_num(buf, "y", y);
	if (anchor != NULL && strcmp(anchor, SVG_START) != 0)
		attr_str(buf, "text-anchor", anchor);
	if (rotate != 0.0)
	{
		appendStringInfoString(buf, " transform=\"rotate(");
		svg_num(buf, rotate);
		appendStringInfoChar(buf, ' ');
		svg_num(buf, x);
		appendStringInfoChar(buf, ' ');
		svg_num(buf, y);
		appendStringInfoString(buf, ")\"");
	}
	if (attrs != NULL && attrs[0] != '\0')
		appendStringInfo(buf, " %s", attrs);
	appendStringInfoChar(buf, '>');
	svg_escape(buf, s);
	appendStringInfoString(buf, "</text>\n");
}

void
svg_title(StringInfo buf, double width, const char *title)
{
	if (title != NULL && title[0] != '\0')
		svg_text(buf, width / 2, 22, SVG_MIDDLE, 0, "font-size=\"15\" font-weight=\"bold\"", title);
}

double
svg_text_width(const char *s, double px)
{
	double		w = 0.0;

	if (s == NULL)
		return 0.0;
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p < 0x80)
			w += 0.6 * px;
		else if ((*p & 0xC0) != 0x80)	/* a lead byte: a wide (CJK) glyph, roughly */
			w += 1.0 * px;
	}
	return w;
}

/* ---------------------------------------------------------------------
 * Axes and legends
 * --------------------------------------------------------------------- */

int
svg_nice_ticks(double lo, double hi, int max_ticks, double *ticks)
{
	double		range = hi - lo,
				rough,
				mag,
				norm,
				step,
				first;
	int			count = 0;

	if (max_ticks < 2 || !(range > 0.0) || !isfinite(range))
	{
		ticks[0] = lo;
		if (max_ticks >= 2 && hi > lo)
		{
			ticks[1] = hi;
			return 2;
		}
		return 1;
	}
	rough = range / (max_ticks - 1);
	mag = pow(10.0, floor(log10(rough)));
	norm = rough / mag;
	step = (norm <= 1.0 ? 1.0 : norm <= 2.0 ? 2.0 : norm <= 2.5 ? 2.5 : norm <= 5.0 ? 5.0 : 10.0) * mag;
	first = ceil(lo / step - 1e-9) * step;
	while (count < max_ticks)
	{
		double		v = first + count * step;

		if (v > hi + step * 1e-9)
			break;
		if (fabs(v) < step * 1e-9)
			v = 0.0;
		ticks[count++] = v;
	}
	if (count == 0)
		ticks[count++] = lo;
	return count;
}

#define LEGEND_ROW	18.0

double
svg_legend_width(const char *heading, const SvgLegendItem *items, int n)
{
	double		w = heading ? svg_text_width(heading, 12) : 0.0;

	for (int i = 0; i < n; i++)
		w = Max(w, (items[i].line ? 30.0 : 18.0) + svg_text_width(items[i].label, 12));
	return w;
}

double
svg_legend(StringInfo buf, double x, double y, const char *heading,
		   const SvgLegendItem *items, int n)
{
	double		row = y;

	svg_group_begin(buf, "class=\"legend\"");
	if (heading != NULL && heading[0] != '\0')
	{
		svg_text(buf, x, row + 11, SVG_START, 0, "font-weight=\"bold\"", heading);
		row += LEGEND_ROW;
	}
	for (int i = 0; i < n; i++)
	{
		if (items[i].line)
		{
			svg_line(buf, x, row + 7, x + 24, row + 7, items[i].color, 2.5, items[i].dash);
			svg_text(buf, x + 30, row + 11, SVG_START, 0, NULL, items[i].label);
		}
		else
		{
			svg_rect(buf, x, row + 1, 12, 12, items[i].color, "#555555", 0.5);
			svg_text(buf, x + 18, row + 11, SVG_START, 0, NULL, items[i].label);
		}
		row += LEGEND_ROW;
	}
	svg_group_end(buf);
	return row - y;
}

#define COLORBAR_BANDS 64

void
svg_colorbar(StringInfo buf, double x, double y, double w, double h,
			 const SvgPalette *p, double lo, double hi, int digits, const char *heading)
{
	double		ticks[8];
	int			nt;
	double		band = h / COLORBAR_BANDS;

	svg_group_begin(buf, "class=\"colorbar\"");
	if (heading != NULL && heading[0] != '\0')
		svg_text(buf, x, y - 8, SVG_START, 0, "font-weight=\"bold\"", heading);
	for (int i = 0; i < COLORBAR_BANDS; i++)
	{
		char		hex[8];

		svg_hex(svg_palette_at(p, (i + 0.5) / COLORBAR_BANDS), hex);
		/* bottom band first; each overlaps the next by a hair so no seam shows */
		svg_rect(buf, x, y + h - (i + 1) * band, w, band + (i < COLORBAR_BANDS - 1 ? 0.3 : 0.0),
				 hex, NULL, 0);
	}
	svg_rect(buf, x, y, w, h, "none", "#555555", 0.5);
	nt = hi > lo ? svg_nice_ticks(lo, hi, 6, ticks) : 1;
	if (!(hi > lo))
		ticks[0] = lo;
	for (int i = 0; i < nt; i++)
	{
		double		ty = y + h * (1.0 - svg_scale_t(ticks[i], lo, hi));
		StringInfoData lab;

		svg_line(buf, x + w, ty, x + w + 4, ty, "#333333", 1, NULL);
		initStringInfo(&lab);
		svg_value(&lab, ticks[i], digits);
		svg_text(buf, x + w + 7, ty + 4, SVG_START, 0, NULL, lab.data);
		pfree(lab.data);
	}
	svg_group_end(buf);
}

/* ---------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

#define SVG_SIZE_MIN 100.0
#define SVG_SIZE_MAX 10000.0

void
svg_options_init(SvgOptions *o, double width, double height, const char *title,
				 const char *palette)
{
	memset(o, 0, sizeof(*o));
	o->width = width;
	o->height = height;
	o->title = pstrdup(title ? title : "");
	o->palette = palette ? svg_palette_lookup(palette, "palette") : NULL;
	o->digits = 3;
}

void
svg_opt_invalid(const char *argname, const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\" of %s", key, argname),
			 errdetail("%s", detail)));
}

double
svg_opt_number(JsonbValue *v, const char *argname, const char *key, double lo, double hi)
{
	double		x;

	if (v->type != jbvNumeric)
		svg_opt_invalid(argname, key, psprintf("Option %s must be a number.", key));
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!(x >= lo && x <= hi))
		svg_opt_invalid(argname, key,
						psprintf("Option %s must be between %s and %s, not %s.", key,
								 medres_float_text(lo), medres_float_text(hi),
								 medres_float_text(x)));
	return x;
}

char *
svg_opt_string(JsonbValue *v, const char *argname, const char *key)
{
	if (v->type != jbvString)
		svg_opt_invalid(argname, key, psprintf("Option %s must be a string.", key));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

#define SVG_ARRAY_MAX 1024

double *
svg_opt_number_array(JsonbValue *v, const char *argname, const char *key, int *n)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;
	double	   *out;
	int			cnt = 0;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		svg_opt_invalid(argname, key, psprintf("Option %s must be an array of numbers.", key));
	if (JsonContainerSize(v->val.binary.data) > SVG_ARRAY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("option \"%s\" of %s has more than %d elements", key, argname, SVG_ARRAY_MAX)));
	out = palloc(sizeof(double) * Max(JsonContainerSize(v->val.binary.data), 1));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		out[cnt++] = svg_opt_number(&e, argname, key, -DBL_MAX, DBL_MAX);
	}
	*n = cnt;
	return out;
}

static const struct
{
	const char *name;
	int			bit;
}			common_keys[] =
{
	{"width", SVG_OPT_WIDTH},
	{"height", SVG_OPT_HEIGHT},
	{"title", SVG_OPT_TITLE},
	{"palette", SVG_OPT_PALETTE},
	{"digits", SVG_OPT_DIGITS},
	{"x_label", SVG_OPT_XLABEL},
	{"y_label", SVG_OPT_YLABEL},
	{"legend_title", SVG_OPT_LEGEND},
	{"min", SVG_OPT_MIN},
	{"max", SVG_OPT_MAX},
};

static void
common_option(SvgOptions *o, int bit, const char *key, JsonbValue *v, const char *argname)
{
	switch (bit)
	{
		case SVG_OPT_WIDTH:
			o->width = svg_opt_number(v, argname, key, SVG_SIZE_MIN, SVG_SIZE_MAX);
			break;
		case SVG_OPT_HEIGHT:
			o->height = svg_opt_number(v, argname, key, SVG_SIZE_MIN, SVG_SIZE_MAX);
			break;
		case SVG_OPT_TITLE:
			o->title = svg_opt_string(v, argname, key);
			break;
		case SVG_OPT_PALETTE:
			o->palette = svg_palette_lookup(svg_opt_string(v, argname, key), "palette");
			break;
		case SVG_OPT_DIGITS:
			{
				double		d = svg_opt_number(v, argname, key, 1, 15);

				if (d != floor(d))
					svg_opt_invalid(argname, key, "Option digits must be a whole number.");
				o->digits = (int) d;
				break;
			}
		case SVG_OPT_XLABEL:
			o->xlabel = svg_opt_string(v, argname, key);
			break;
		case SVG_OPT_YLABEL:
			o->ylabel = svg_opt_string(v, argname, key);
			break;
		case SVG_OPT_LEGEND:
			o->legend = svg_opt_string(v, argname, key);
			break;
		case SVG_OPT_MIN:
			o->min = svg_opt_number(v, argname, key, -DBL_MAX, DBL_MAX);
			o->has_min = true;
			break;
		case SVG_OPT_MAX:
			o->max = svg_opt_number(v, argname, key, -DBL_MAX, DBL_MAX);
			o->has_max = true;
			break;
	}
	o->seen |= bit;
}

static char *
valid_keys(int allowed, const char *hook_keys)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < lengthof(common_keys); i++)
		if (allowed & common_keys[i].bit)
			appendStringInfo(&s, "%s%s", s.len ? ", " : "", common_keys[i].name);
	if (hook_keys != NULL && hook_keys[0] != '\0')
		appendStringInfo(&s, "%s%s", s.len ? ", " : "", hook_keys);
	return s.data;
}

void
svg_parse_options(SvgOptions *o, const char *opts, const char *argname, int allowed,
				  SvgOptionHook hook, void *hook_arg, const char *hook_keys)
{
	Jsonb	   *jb;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (opts == NULL || opts[0] == '\0')
		return;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(opts)));
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": \"%s\"", argname, opts),
				 errdetail("The options are a JSON object such as '{\"title\": \"Beds\", \"width\": 800}'."),
				 errhint("Valid keys: %s.", valid_keys(allowed, hook_keys))));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		taken = false;

		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		for (int i = 0; i < lengthof(common_keys); i++)
			if ((allowed & common_keys[i].bit) && strcmp(key, common_keys[i].name) == 0)
			{
				/* a JSON null leaves the default */
				if (v.type != jbvNull)
					common_option(o, common_keys[i].bit, key, &v, argname);
				taken = true;
				break;
			}
		if (!taken && hook != NULL)
			taken = hook(key, &v, hook_arg);
		if (!taken)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\" in %s", key, argname),
					 errhint("Valid keys: %s.", valid_keys(allowed, hook_keys))));
	}
	if (o->has_min && o->has_max && !(o->min < o->max))
		svg_opt_invalid(argname, "max", "Option max must be greater than option min.");
}

char *
svg_options_text(Jsonb *opts)
{
	return JsonbToCString(NULL, &opts->root, VARSIZE(opts));
}

void
svg_options_keep(MemoryContext cxt, char **kept, const char *options)
{
	if (*kept == NULL)
		*kept = MemoryContextStrdup(cxt, options);
	else if (strcmp(*kept, options) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be the same for every row of a group"),
				 errdetail("Found %s after %s.", options, *kept)));
}
