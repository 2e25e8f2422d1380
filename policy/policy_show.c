/* `sdm policy show`: text, JSON and SVG views of a policy (policy_show.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_show.h"

/* ---------------------------------------------------------------- helpers */

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* A size in the largest binary unit that divides it. */
static const char *size_text(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % GIB(1) == 0)
		snprintf(buf, len, "%llu GiB", (unsigned long long)(v >> 30));
	else if (v != 0 && v % MIB(1) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(v >> 20));
	else if (v != 0 && v % KIB(1) == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)v);
	return buf;
}

/* JSON/XML-safe: names are [A-Za-z0-9_.-]; file names may be anything. */
static void put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_xml(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

static void requirements_text(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "tpm %s, drtm %s, iommu %s",
		 flags & SDM_POL_REQ_TPM ? "required" : "optional",
		 flags & SDM_POL_REQ_DRTM ? "required" : "optional",
		 flags & SDM_POL_REQ_IOMMU ? "required" : "optional");
}

static void pcrs_text(uint32_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < SDM_POL_NUM_PCRS && at < len; i++) {
		int k;

		if (!((mask >> i) & 1u))
			continue;
		k = snprintf(buf + at, len - at, "%s%u", at == 0 ? "" : ", ", i);
		if (k < 0)
			break;
		at += (size_t)k;
	}
	if (at == 0)
		snprintf(buf, len, "none");
}

/* ---------------------------------------------------------------- text */

void policy_show_text(FILE *f, const struct sdm_policy *p,
		      const struct policy_show_info *info)
{
	char buf[160], bdf[16];

	if (info->blob) {
		fprintf(f, "policy %s: signed blob, %u bytes, %s, signer SHA-384 ",
			info->name, p->size, sdm_pol_sig_name(p->sig_alg));
		put_hex(f, p->key_sha384, sizeof(p->key_sha384));
		fprintf(f, "%s\n", info->anchor_checked ? " (trusted)"
					: " (not compared with a trusted key)");
	} else {
		fprintf(f, "policy %s: source (not signed)\n", info->name);
	}
	fprintf(f, "  version       %llu\n", (unsigned long long)p->version);
	requirements_text(p->flags, buf, sizeof(buf));
	fprintf(f, "  requirements  %s\n", buf);
	fprintf(f, "  on error     ");
	for (unsigned c = 0; c < SDM_POL_ERR_CLASSES; c++)
		fprintf(f, " %s %s%s", sdm_pol_class_name(c),
			sdm_pol_action_name(p->on_error[c]),
			c + 1 < SDM_POL_ERR_CLASSES ? "," : "\n");
	pcrs_text(p->seal_pcrs, buf, sizeof(buf));
	fprintf(f, "  seal PCRs     %s\n", buf);
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];

		fprintf(f, "domain %s (%s)\n", d->name, sdm_pol_kind_name(d->kind));
		for (unsigned k = 0; k < d->nimages; k++) {
			fprintf(f, "  %-13s %s sha256 ",
				k == 0 ? "images" : "", d->images[k].module);
			put_hex(f, d->images[k].sha256, 32);
			fprintf(f, "\n  %-13s %*s sha384 ", "",
				(int)strlen(d->images[k].module), "");
			put_hex(f, d->images[k].sha384, 48);
			fputc('\n', f);
		}
		if (d->mem_size == 0)
			fprintf(f, "  memory        all RAM no other domain has\n");
		else if (d->mem_base == 0)
			fprintf(f, "  memory        %s, placed by sinit\n",
				size_text(d->mem_size, buf, sizeof(buf)));
		else
			fprintf(f, "  memory        %s at 0x%llx-0x%llx\n",
				size_text(d->mem_size, buf, sizeof(buf)),
				(unsigned long long)d->mem_base,
				(unsigned long long)(d->mem_base + d->mem_size - 1));
		if (d->cpu_count == 0) {
			fprintf(f, "  cpus          every CPU no other domain has\n");
		} else if (d->ncpu_ids == 0) {
			fprintf(f, "  cpus          %u, chosen by dommgr\n",
				d->cpu_count);
		} else {
			fprintf(f, "  cpus          APIC ID");
			for (unsigned k = 0; k < d->ncpu_ids; k++)
				fprintf(f, "%s %u", k == 0 ? (d->ncpu_ids > 1 ? "s" : "") : ",",
					d->cpu_ids[k]);
			fputc('\n', f);
		}
		if (d->ndevices == 0)
			fprintf(f, "  devices       %s\n",
				d->kind == SDM_POL_KIND_NORMAL
					? "every device not given to another domain"
					: "none");
		for (unsigned k = 0; k < d->ndevices; k++) {
			sdm_pol_pci_format(&d->devices[k], bdf, sizeof(bdf));
			fprintf(f, "  %-13s %s\n", k == 0 ? "devices" : "", bdf);
		}
		for (unsigned k = 0; k < d->nchannels; k++)
			fprintf(f, "  %-13s to %s, %s\n", k == 0 ? "channels" : "",
				d->channels[k].peer,
				size_text(d->channels[k].size, buf, sizeof(buf)));
		if (d->restart == SDM_POL_RESTART_LIMITED)
			fprintf(f, "  restart       at most %u times\n",
				d->restart_max);
		else
			fprintf(f, "  restart       %s\n",
				sdm_pol_restart_name(d->restart));
	}
}

/* ---------------------------------------------------------------- JSON */

void policy_show_json(FILE *f, const struct sdm_policy *p,
		      const struct policy_show_info *info)
{
	char bdf[16];

	fprintf(f, "{\"file\": ");
	put_json_str(f, info->name);
	fprintf(f, ", \"type\": \"%s\"", info->blob ? "blob" : "source");
	if (info->blob) {
		fprintf(f, ", \"size\": %u, \"signature\": {\"algorithm\": \"%s\", \"signer_sha384\": \"",
			p->size, sdm_pol_sig_name(p->sig_alg));
		put_hex(f, p->key_sha384, sizeof(p->key_sha384));
		fprintf(f, "\", \"trusted\": %s}",
			info->anchor_checked ? "true" : "false");
	}
	fprintf(f, ",\n \"version\": %llu,\n \"requirements\": {\"tpm\": %s, \"drtm\": %s, \"iommu\": %s},\n \"on_error\": {",
		(unsigned long long)p->version,
		p->flags & SDM_POL_REQ_TPM ? "true" : "false",
		p->flags & SDM_POL_REQ_DRTM ? "true" : "false",
		p->flags & SDM_POL_REQ_IOMMU ? "true" : "false");
	for (unsigned c = 0; c < SDM_POL_ERR_CLASSES; c++)
		fprintf(f, "%s\"%s\": \"%s\"", c == 0 ? "" : ", ",
			sdm_pol_class_name(c), sdm_pol_action_name(p->on_error[c]));
	fprintf(f, "},\n \"seal_pcrs\": [");
	for (unsigned i = 0, n = 0; i < SDM_POL_NUM_PCRS; i++)
		if ((p->seal_pcrs >> i) & 1u)
			fprintf(f, "%s%u", n++ == 0 ? "" : ", ", i);
	fprintf(f, "],\n \"domains\": [");
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];

		fprintf(f, "%s\n  {\"name\": \"%s\", \"kind\": \"%s\", \"images\": [",
			i == 0 ? "" : ",", d->name, sdm_pol_kind_name(d->kind));
		for (unsigned k = 0; k < d->nimages; k++) {
			fprintf(f, "%s{\"module\": \"%s\", \"sha256\": \"",
				k == 0 ? "" : ", ", d->images[k].module);
			put_hex(f, d->images[k].sha256, 32);
			fprintf(f, "\", \"sha384\": \"");
			put_hex(f, d->images[k].sha384, 48);
			fprintf(f, "\"}");
		}
		fprintf(f, "],\n   \"memory\": ");
		if (d->mem_size == 0)
			fprintf(f, "\"rest\"");
		else if (d->mem_base == 0)
			fprintf(f, "{\"size\": %llu, \"base\": null}",
				(unsigned long long)d->mem_size);
		else
			fprintf(f, "{\"size\": %llu, \"base\": %llu}",
				(unsigned long long)d->mem_size,
				(unsigned long long)d->mem_base);
		fprintf(f, ", \"cpus\": ");
		if (d->cpu_count == 0) {
			fprintf(f, "\"rest\"");
		} else if (d->ncpu_ids == 0) {
			fprintf(f, "%u", d->cpu_count);
		} else {
			fputc('[', f);
			for (unsigned k = 0; k < d->ncpu_ids; k++)
				fprintf(f, "%s%u", k == 0 ? "" : ", ", d->cpu_ids[k]);
			fputc(']', f);
		}
		fprintf(f, ",\n   \"devices\": [");
		for (unsigned k = 0; k < d->ndevices; k++) {
			sdm_pol_pci_format(&d->devices[k], bdf, sizeof(bdf));
			fprintf(f, "%s\"%s\"", k == 0 ? "" : ", ", bdf);
		}
		fprintf(f, "], \"channels\": [");
		for (unsigned k = 0; k < d->nchannels; k++)
			fprintf(f, "%s{\"peer\": \"%s\", \"size\": %llu}",
				k == 0 ? "" : ", ", d->channels[k].peer,
				(unsigned long long)d->channels[k].size);
		fprintf(f, "], \"restart\": ");
		if (d->restart == SDM_POL_RESTART_LIMITED)
			fprintf(f, "%u}", d->restart_max);
		else
			fprintf(f, "\"%s\"}", sdm_pol_restart_name(d->restart));
	}
	fprintf(f, "\n ]}\n");
}

/* ---------------------------------------------------------------- SVG */

#define SVG_W 1000
#define SVG_LEFT 20
#define SVG_X0 210 /* the bars start here */
#define SVG_X1 975
#define SVG_LANE 30
#define SVG_GAP 8
#define SVG_CHAR 7 /* average width of a 12px character */
#define SVG_GREY "#c8c8c8"

static const char *const palette[] = {
	"#e15759", "#f28e2b", "#59a14f", "#b07aa1",
	"#edc948", "#76b7b2", "#ff9da7", "#9c755f",
};

static const char *dom_color(const struct sdm_policy *p, unsigned i)
{
	unsigned k = 0;

	if (p->dom[i].kind == SDM_POL_KIND_NORMAL)
		return "#4e79a7";
	for (unsigned j = 0; j < i; j++)
		k += p->dom[j].kind == SDM_POL_KIND_PROTECTED;
	return palette[k % (sizeof(palette) / sizeof(palette[0]))];
}

struct svg {
	FILE *f;
	const struct sdm_policy *p;
	int y;
};

static void svg_title(struct svg *s, const char *title, const char *note)
{
	s->y += 34;
	fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"17\" font-weight=\"bold\" fill=\"#222\">%s</text>\n",
		SVG_LEFT, s->y, title);
	if (note != NULL) {
		fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#666\">",
			SVG_LEFT + 16 + (int)strlen(title) * 12, s->y);
		put_xml(s->f, note);
		fprintf(s->f, "</text>\n");
	}
	fprintf(s->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n",
		SVG_LEFT, s->y + 8, SVG_X1, s->y + 8);
	s->y += 18;
}

/* The domain's name and kind left of a lane at s->y. */
static void svg_label(struct svg *s, unsigned i)
{
	const struct sdm_pol_domain *d = &s->p->dom[i];

	fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"%d\" rx=\"2\" fill=\"%s\"/>\n",
		SVG_LEFT, s->y + 4, SVG_LANE - 8, dom_color(s->p, i));
	fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">%s</text>\n",
		SVG_LEFT + 18, s->y + 15, d->name);
	fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#666\">%s</text>\n",
		SVG_LEFT + 18, s->y + 28, sdm_pol_kind_name(d->kind));
}

static void svg_text(struct svg *s, int x, int y, const char *anchor,
		     const char *fill, const char *text)
{
	fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"%s\" fill=\"%s\">",
		x, y, anchor, fill);
	put_xml(s->f, text);
	fprintf(s->f, "</text>\n");
}

/* A label next to a bar [x0, x1]: right of it if it fits, else left. */
static void svg_bar_label(struct svg *s, int x0, int x1, const char *text)
{
	int w = (int)strlen(text) * SVG_CHAR;

	if (x1 + 8 + w <= SVG_X1)
		svg_text(s, x1 + 8, s->y + 20, "start", "#222", text);
	else if (x0 - 8 - w >= SVG_X0)
		svg_text(s, x0 - 8, s->y + 20, "end", "#222", text);
	else
		svg_text(s, SVG_X1 - 4, s->y + 20, "end", "#222", text);
}

/* The highest address shown: a round value above everything drawn. */
static uint64_t axis_end(const struct sdm_policy *p,
			 const struct sdm_pol_machine *m, uint64_t *step)
{
	uint64_t top = m != NULL ? 0 : GIB(4), st = MIB(1);

	for (unsigned r = 0; m != NULL && r < m->nram; r++)
		if (m->ram[r].base + m->ram[r].size > top)
			top = m->ram[r].base + m->ram[r].size;
	for (unsigned i = 0; i < p->ndomains; i++)
		if (p->dom[i].mem_base + p->dom[i].mem_size > top &&
		    p->dom[i].mem_base != 0)
			top = p->dom[i].mem_base + p->dom[i].mem_size;
	if (top == 0)
		top = GIB(4);
	while (top / st > 8)
		st *= 2;
	*step = st;
	return (top + st - 1) / st * st;
}

static int svg_x(uint64_t addr, uint64_t end)
{
	double w = (double)(SVG_X1 - SVG_X0);

	return SVG_X0 + (int)((double)addr / (double)end * w + 0.5);
}

/* A hatched lane over the RAM no other domain has at a fixed place. */
static void svg_rest_lane(struct svg *s, const struct sdm_pol_machine *m,
			  uint64_t end, unsigned self, const char *color)
{
	const struct sdm_policy *p = s->p;
	uint64_t pos = 0;

	fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.25\"/>\n"
		      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#hatch)\"/>\n",
		SVG_X0, s->y + 2, SVG_X1 - SVG_X0, SVG_LANE - 4, color,
		SVG_X0, s->y + 2, SVG_X1 - SVG_X0, SVG_LANE - 4);
	/* Holes: what is not RAM on the machine, others' fixed memory. */
	while (m != NULL && pos < end) {
		uint64_t next = end, hole_end = end;

		for (unsigned r = 0; r < m->nram; r++) {
			if (m->ram[r].base <= pos &&
			    pos < m->ram[r].base + m->ram[r].size) {
				next = m->ram[r].base + m->ram[r].size;
				hole_end = pos; /* pos is RAM */
				break;
			}
			if (m->ram[r].base > pos && m->ram[r].base < hole_end)
				hole_end = m->ram[r].base;
		}
		if (hole_end > pos) {
			int x0 = svg_x(pos, end), x1 = svg_x(hole_end, end);

			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
				x0, s->y + 2, x1 - x0 > 1 ? x1 - x0 : 1,
				SVG_LANE - 4);
			next = hole_end;
		}
		pos = next;
	}
	for (unsigned j = 0; j < p->ndomains; j++) {
		const struct sdm_pol_domain *o = &p->dom[j];
		int x0, x1;

		if (j == self || o->mem_base == 0)
			continue;
		x0 = svg_x(o->mem_base, end);
		x1 = svg_x(o->mem_base + o->mem_size, end);
		fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
			x0, s->y + 2, x1 - x0 > 2 ? x1 - x0 : 2, SVG_LANE - 4);
	}
}

static void svg_memory(struct svg *s, const struct sdm_pol_machine *m)
{
	const struct sdm_policy *p = s->p;
	uint64_t step, end = axis_end(p, m, &step);
	char a[32], b[32], text[160];

	snprintf(text, sizeof(text), "host-physical addresses 0 to %s%s",
		 size_text(end, a, sizeof(a)),
		 m != NULL ? "; grey: the machine's RAM" : "");
	svg_title(s, "Memory", text);
	if (m != NULL) {
		fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#444\">machine RAM</text>\n",
			SVG_LEFT + 18, s->y + 19);
		fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#bbb\"/>\n",
			SVG_X0, s->y + 2, SVG_X1 - SVG_X0, SVG_LANE - 4);
		for (unsigned r = 0; r < m->nram; r++) {
			int x0 = svg_x(m->ram[r].base, end);
			int x1 = svg_x(m->ram[r].base + m->ram[r].size, end);

			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"" SVG_GREY "\"/>\n",
				x0, s->y + 2, x1 - x0 > 1 ? x1 - x0 : 1,
				SVG_LANE - 4);
		}
		s->y += SVG_LANE + SVG_GAP;
	}
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];
		const char *c = dom_color(p, i);

		svg_label(s, i);
		fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f5f5f5\"/>\n",
			SVG_X0, s->y + 2, SVG_X1 - SVG_X0, SVG_LANE - 4);
		if (d->mem_size == 0) {
			svg_rest_lane(s, m, end, i, c);
			fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#222\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">all RAM no other domain has</text>\n",
				SVG_X0 + 10, s->y + 20);
		} else if (d->mem_base == 0) {
			int w = svg_x(d->mem_size, end) - SVG_X0;

			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
				SVG_X0 + 1, s->y + 3, SVG_X1 - SVG_X0 - 2,
				SVG_LANE - 6, c);
			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
				SVG_X0 + 6, s->y + 8, w > 4 ? w : 4,
				SVG_LANE - 16, c);
			snprintf(text, sizeof(text), "%s, anywhere in RAM (sinit places it)",
				 size_text(d->mem_size, a, sizeof(a)));
			svg_text(s, SVG_X0 + 16 + (w > 4 ? w : 4), s->y + 20,
				 "start", "#222", text);
		} else {
			int x0 = svg_x(d->mem_base, end);
			int x1 = svg_x(d->mem_base + d->mem_size, end);

			if (x1 - x0 < 4)
				x1 = x0 + 4;
			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
				x0, s->y + 2, x1 - x0, SVG_LANE - 4, c);
			snprintf(text, sizeof(text), "%s at 0x%llx",
				 size_text(d->mem_size, a, sizeof(a)),
				 (unsigned long long)d->mem_base);
			svg_bar_label(s, x0, x1, text);
		}
		s->y += SVG_LANE + SVG_GAP;
	}
	/* the axis */
	fprintf(s->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
		SVG_X0, s->y, SVG_X1, s->y);
	for (uint64_t t = 0; t <= end; t += step) {
		int x = svg_x(t, end);

		fprintf(s->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
			x, s->y, x, s->y + 5);
		if (t >= GIB(1) && t % GIB(1) != 0)
			snprintf(b, sizeof(b), "%.1f GiB", (double)t / (double)GIB(1));
		else
			size_text(t, b, sizeof(b));
		svg_text(s, x, s->y + 18, t == 0 ? "start" : t == end ? "end" : "middle",
			 "#555", t == 0 ? "0" : b);
	}
	s->y += 26;
}

/* A box of width w at x in the current lane. */
static void svg_box(struct svg *s, int x, int w, const char *fill,
		    bool hatch, const char *text)
{
	bool light = hatch || strcmp(fill, SVG_GREY) == 0;

	fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\"%s/>\n",
		x, s->y + 2, w, SVG_LANE - 4, fill,
		hatch ? " fill-opacity=\"0.25\"" : "");
	if (hatch)
		fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"url(#hatch)\"/>\n",
			x, s->y + 2, w, SVG_LANE - 4);
	svg_text(s, x + w / 2, s->y + 20, "middle", light ? "#222" : "#fff",
		 text);
}

static void svg_cpus(struct svg *s, const struct sdm_pol_machine *m)
{
	const struct sdm_policy *p = s->p;
	char text[96];

	if (m != NULL && m->bsp_known)
		snprintf(text, sizeof(text), "by APIC ID; the machine has %u, boot CPU %u",
			 m->ncpus, m->bsp_apic_id);
	else if (m != NULL)
		snprintf(text, sizeof(text), "by APIC ID; the machine has %u",
			 m->ncpus);
	else
		snprintf(text, sizeof(text), "by APIC ID");
	svg_title(s, "CPUs", text);
	if (m != NULL) {
		int x = SVG_X0;

		fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#444\">machine</text>\n",
			SVG_LEFT + 18, s->y + 19);
		for (unsigned k = 0; k < m->ncpus && x + 70 <= SVG_X1; k++) {
			const char *fill = SVG_GREY;

			for (unsigned i = 0; i < p->ndomains; i++)
				for (unsigned j = 0; j < p->dom[i].ncpu_ids; j++)
					if (p->dom[i].cpu_ids[j] == m->apic_ids[k])
						fill = dom_color(p, i);
			snprintf(text, sizeof(text), "%u%s", m->apic_ids[k],
				 m->bsp_known && m->bsp_apic_id == m->apic_ids[k]
					 ? " boot" : "");
			svg_box(s, x, 64, fill, false, text);
			x += 70;
		}
		s->y += SVG_LANE + SVG_GAP;
	}
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];
		const char *c = dom_color(p, i);
		int x = SVG_X0;

		svg_label(s, i);
		if (d->cpu_count == 0) {
			svg_box(s, x, SVG_X1 - SVG_X0, c, true,
				"every CPU no other domain has");
		} else if (d->ncpu_ids != 0) {
			for (unsigned k = 0; k < d->ncpu_ids && x + 70 <= SVG_X1; k++) {
				snprintf(text, sizeof(text), "%u", d->cpu_ids[k]);
				svg_box(s, x, 64, c, false, text);
				x += 70;
			}
		} else {
			unsigned shown = d->cpu_count < 8 ? d->cpu_count : 8;

			for (unsigned k = 0; k < shown; k++) {
				svg_box(s, x, 64, c, false, "any");
				x += 70;
			}
			snprintf(text, sizeof(text), "%u CPU%s, chosen by dommgr",
				 d->cpu_count, d->cpu_count == 1 ? "" : "s");
			svg_text(s, x + 4, s->y + 20, "start", "#222", text);
		}
		s->y += SVG_LANE + SVG_GAP;
	}
}

static void svg_devices(struct svg *s)
{
	const struct sdm_policy *p = s->p;
	char bdf[16];

	svg_title(s, "PCI devices", "segment:bus:device.function");
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];
		int x = SVG_X0;

		svg_label(s, i);
		for (unsigned k = 0; k < d->ndevices && x + 118 <= SVG_X1; k++) {
			sdm_pol_pci_format(&d->devices[k], bdf, sizeof(bdf));
			svg_box(s, x, 112, dom_color(p, i), false, bdf);
			x += 118;
		}
		if (d->kind == SDM_POL_KIND_NORMAL)
			svg_box(s, x, SVG_X1 - x, dom_color(p, i), true,
				"every device not given to another domain");
		else if (d->ndevices == 0)
			svg_text(s, x + 4, s->y + 20, "start", "#888", "none");
		s->y += SVG_LANE + SVG_GAP;
	}
}

static void svg_channels(struct svg *s)
{
	const struct sdm_policy *p = s->p;
	unsigned n = 0;
	char a[32];

	svg_title(s, "Channels", "shared memory between two domains");
	for (unsigned i = 0; i < p->ndomains; i++) {
		for (unsigned k = 0; k < p->dom[i].nchannels; k++) {
			const struct sdm_pol_channel *c = &p->dom[i].channels[k];
			int j = sdm_policy_find_domain(p, c->peer);

			svg_label(s, i);
			fprintf(s->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" stroke-width=\"2\"/>\n"
				      "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">%s</text>\n",
				SVG_X0, s->y + 15, SVG_X0 + 200, s->y + 15,
				SVG_X0 + 100, s->y + 10,
				size_text(c->size, a, sizeof(a)));
			svg_box(s, SVG_X0 + 206, 140,
				j >= 0 ? dom_color(p, (unsigned)j) : "#888",
				false, c->peer);
			s->y += SVG_LANE + SVG_GAP;
			n++;
		}
	}
	if (n == 0) {
		svg_text(s, SVG_X0, s->y + 16, "start", "#888", "none");
		s->y += SVG_LANE;
	}
}

void policy_show_svg(FILE *f, const struct sdm_policy *p,
		     const struct sdm_pol_machine *m,
		     const struct policy_show_info *info)
{
	struct svg s = { NULL, p, 0 };
	char *body = NULL;
	size_t body_len = 0;
	char text[320], req[96], pcrs[96];

	s.f = open_memstream(&body, &body_len);
	if (s.f == NULL)
		return;
	s.y = 36;
	fprintf(s.f, "<text x=\"%d\" y=\"%d\" font-size=\"20\" font-weight=\"bold\" fill=\"#222\">SDM launch policy: ",
		SVG_LEFT, s.y);
	put_xml(s.f, info->name);
	fprintf(s.f, "</text>\n");
	requirements_text(p->flags, req, sizeof(req));
	pcrs_text(p->seal_pcrs, pcrs, sizeof(pcrs));
	snprintf(text, sizeof(text), "version %llu; %s; %s; seal PCRs %s",
		 (unsigned long long)p->version,
		 info->blob ? sdm_pol_sig_name(p->sig_alg) : "source, not signed",
		 req, pcrs);
	s.y += 22;
	svg_text(&s, SVG_LEFT, s.y, "start", "#555", text);
	svg_memory(&s, m);
	svg_cpus(&s, m);
	svg_devices(&s);
	svg_channels(&s);
	s.y += 16;
	fclose(s.f);

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n"
		   "<defs><pattern id=\"hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		   "<rect width=\"3\" height=\"8\" fill=\"#000\" fill-opacity=\"0.12\"/></pattern></defs>\n"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
		SVG_W, s.y, SVG_W, s.y, SVG_W, s.y);
	fwrite(body, 1, body_len, f);
	fprintf(f, "</svg>\n");
	free(body);
}
