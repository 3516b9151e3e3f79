/*
** gen_data.c: the data set of the scoring benchmark (bench/score/run.sh). Synthetic.
**
** 2,844 units (China's county-level divisions in 2020, one synthetic unit per division,
** grouped by the 31 mainland provinces into peer groups of their real sizes), a 60-leaf
** points-mode scheme that uses every points-mode method (completion, rank, efficacy,
** minmax, goalpost incl. ln, bands incl. lower, timeprogress, manual, deduct, bonus, veto,
** veto_top), leaves restricted to some groups (so the 分类考核 rescale runs), all four
** missing-data policies, and 12 monthly periods of values (year-to-date for timeprogress).
** Writes into DIR: units.csv, scheme.json, targets.csv, values-2021-M01.csv ..
** values-2021-M12.csv, periods.txt. Fixed seed, integer-and-IEEE arithmetic only (no libm
** in the data path), so the files are the same on every run and machine.
**
** Not part of the kaoping binary: a standalone program, built by run.sh.
**   usage: gen_data DIR
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N_PERIOD 12
#define N_LEAF 60

/* splitmix64; see src/demo/gen.c for why this generator. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}
static double rng_u(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }
static double rng_n(uint64_t *s) { /* Irwin-Hall, approximately standard normal */
  double r = 0;
  for (int i = 0; i < 12; i++) r += rng_u(s);
  return r - 6;
}
static uint64_t rng_seed(int a, int b, int c) {
  uint64_t s = UINT64_C(0x42454E4348534352) ^ ((uint64_t)(unsigned)a << 40) ^
               ((uint64_t)(unsigned)b << 20) ^ (uint64_t)(unsigned)c;
  rng_next(&s);
  return s;
}
/* Round to 2 decimals, exactly as "%.2f" then prints it; never -0. */
static double r2(double x) {
  double y = (double)(int64_t)(x * 100 + (x >= 0 ? 0.5 : -0.5)) / 100;
  return y + 0.0;
}

/* Provinces: name, administrative prefix, number of county-level divisions (2020). */
static const struct {
  const char *zName;
  int iPrefix, nUnit;
} aProv[] = {
  {"北京", 11, 16},  {"天津", 12, 16},  {"河北", 13, 167}, {"山西", 14, 117},
  {"内蒙古", 15, 103}, {"辽宁", 21, 100}, {"吉林", 22, 60}, {"黑龙江", 23, 121},
  {"上海", 31, 16},  {"江苏", 32, 95},  {"浙江", 33, 90},  {"安徽", 34, 104},
  {"福建", 35, 84},  {"江西", 36, 100}, {"山东", 37, 136}, {"河南", 41, 157},
  {"湖北", 42, 103}, {"湖南", 43, 122}, {"广东", 44, 123}, {"广西", 45, 111},
  {"海南", 46, 25},  {"重庆", 50, 38},  {"四川", 51, 183}, {"贵州", 52, 88},
  {"云南", 53, 129}, {"西藏", 54, 74},  {"陕西", 61, 107}, {"甘肃", 62, 86},
  {"青海", 63, 44},  {"宁夏", 64, 22},  {"新疆", 65, 107},
};
#define N_PROV ((int)(sizeof aProv / sizeof aProv[0]))

/* Value recipes. */
typedef enum { V_RATIO, V_GROWTH, V_PCT, V_LEVEL, V_INCOME, V_DAYS, V_YTD, V_MANUAL,
               V_COUNT, V_RARE } Recipe;

typedef struct Leaf {
  const char *zMethod, *zParams; /* params JSON or NULL */
  int iWeight;                   /* 0 = none (deduct, bonus, veto) */
  int bLower;
  const char *zMissing;
  int eGroups;                   /* 0 all, 1 eastern provinces only, 2 all but eastern */
  Recipe e;
  double rMean;                  /* recipe parameter */
} Leaf;

/* 60 leaves in 6 categories of 10 (A..F). */
static const Leaf aLeaf[N_LEAF] = {
  /* A */
  {"completion", NULL, 3, 0, "zero", 0, V_RATIO, 1.00},
  {"completion", "{\"cap\": 1.2}", 3, 0, "carry", 0, V_RATIO, 1.02},
  {"completion", "{\"full_at\": 0.95, \"cap\": 1.1}", 2, 0, "zero", 0, V_RATIO, 0.98},
  {"completion", NULL, 2, 1, "exclude", 0, V_RATIO, 1.00},
  {"rank", NULL, 3, 0, "zero", 0, V_GROWTH, 8},
  {"rank", "{\"min_share\": 0.6}", 3, 0, "group_mean", 0, V_GROWTH, 6},
  {"efficacy", NULL, 2, 0, "zero", 0, V_GROWTH, 7},
  {"efficacy", "{\"good\": 98, \"bad\": 80}", 2, 0, "group_mean", 0, V_PCT, 92},
  {"timeprogress", NULL, 3, 0, "zero", 0, V_YTD, 1.0},
  {"timeprogress", NULL, 3, 0, "carry", 0, V_YTD, 1.0},
  /* B */
  {"minmax", NULL, 2, 0, "zero", 0, V_LEVEL, 50},
  {"minmax", NULL, 2, 1, "exclude", 0, V_LEVEL, 40},
  {"goalpost", "{\"lo\": 70, \"hi\": 95}", 2, 0, "zero", 0, V_PCT, 85},
  {"goalpost", "{\"lo\": 1000, \"hi\": 100000, \"transform\": \"ln\"}", 2, 0, "carry", 0,
   V_INCOME, 20000},
  {"bands", "{\"bands\": [[75, 1], [70, 0.8], [65, 0.6]]}", 2, 0, "zero", 0, V_PCT, 72},
  {"bands", "{\"bands\": [[1, 1], [2, 0.8], [3, 0.6]]}", 2, 1, "group_mean", 0, V_DAYS, 2},
  {"manual", NULL, 2, 0, "zero", 0, V_MANUAL, 0},
  {"deduct", "{\"per_event\": 0.5, \"cap\": 5}", 0, 0, "zero", 0, V_COUNT, 1.0},
  {"bonus", "{\"per_event\": 0.5, \"cap\": 2}", 0, 0, "zero", 0, V_COUNT, 0.3},
  {"veto", NULL, 0, 0, "zero", 0, V_RARE, 0.001},
  /* C */
  {"completion", NULL, 2, 0, "zero", 1, V_RATIO, 0.97},
  {"completion", "{\"cap\": 1.5}", 2, 0, "group_mean", 2, V_RATIO, 1.05},
  {"rank", NULL, 2, 0, "exclude", 0, V_GROWTH, 5},
  {"rank", "{\"min_share\": 0.5, \"step\": 0.02}", 2, 1, "zero", 0, V_LEVEL, 30},
  {"efficacy", "{\"base\": 0.5}", 2, 0, "carry", 0, V_GROWTH, 9},
  {"efficacy", NULL, 2, 1, "zero", 2, V_DAYS, 3},
  {"timeprogress", NULL, 2, 0, "group_mean", 1, V_YTD, 1.0},
  {"timeprogress", NULL, 2, 0, "zero", 0, V_YTD, 1.0},
  {"deduct", "{\"per_event\": 1, \"cap\": 5}", 0, 0, "zero", 0, V_COUNT, 0.3},
  {"veto_top", NULL, 0, 0, "zero", 0, V_RARE, 0.002},
  /* D */
  {"minmax", NULL, 1, 0, "group_mean", 0, V_GROWTH, 10},
  {"minmax", NULL, 1, 0, "zero", 2, V_LEVEL, 60},
  {"goalpost", "{\"lo\": 60, \"hi\": 100}", 1, 0, "exclude", 0, V_PCT, 88},
  {"goalpost", "{\"lo\": 0, \"hi\": 5}", 1, 1, "zero", 0, V_DAYS, 2},
  {"bands", "{\"bands\": [[95, 1], [90, 0.7], [80, 0.4]]}", 1, 0, "carry", 0, V_PCT, 90},
  {"bands", "{\"bands\": [[0, 0.2], [5, 0.6], [10, 1]]}", 1, 0, "zero", 1, V_GROWTH, 7},
  {"manual", NULL, 2, 0, "carry", 0, V_MANUAL, 0},
  {"manual", NULL, 1, 0, "zero", 2, V_MANUAL, 0},
  {"deduct", "{\"per_event\": 0.5, \"cap\": 2}", 0, 0, "zero", 0, V_COUNT, 0.4},
  {"bonus", "{\"per_event\": 1, \"cap\": 3}", 0, 0, "zero", 0, V_COUNT, 0.2},
  /* E */
  {"completion", NULL, 2, 0, "carry", 0, V_RATIO, 0.99},
  {"completion", NULL, 1, 1, "zero", 0, V_RATIO, 1.00},
  {"completion", "{\"cap\": 1.2}", 1, 0, "exclude", 2, V_RATIO, 1.01},
  {"rank", NULL, 2, 0, "carry", 0, V_GROWTH, 7},
  {"rank", "{\"min_share\": 0.6}", 1, 1, "group_mean", 0, V_DAYS, 2.5},
  {"efficacy", "{\"good\": 95, \"bad\": 75}", 2, 0, "zero", 0, V_PCT, 88},
  {"efficacy", NULL, 1, 0, "exclude", 0, V_LEVEL, 45},
  {"timeprogress", NULL, 2, 0, "zero", 2, V_YTD, 1.0},
  {"timeprogress", NULL, 2, 0, "exclude", 0, V_YTD, 1.0},
  {"deduct", "{\"per_event\": 0.5, \"cap\": 3}", 0, 0, "zero", 0, V_COUNT, 0.6},
  /* F */
  {"minmax", NULL, 1, 1, "carry", 0, V_DAYS, 3},
  {"goalpost", "{\"lo\": 0, \"hi\": 20, \"clamp\": false}", 1, 0, "zero", 0, V_GROWTH, 8},
  {"bands", "{\"bands\": [[60, 0.5], [70, 0.75], [80, 1]]}", 1, 0, "exclude", 0, V_PCT, 78},
  {"efficacy", NULL, 1, 0, "group_mean", 0, V_GROWTH, 6},
  {"timeprogress", NULL, 2, 0, "carry", 1, V_YTD, 1.0},
  {"timeprogress", NULL, 1, 0, "zero", 0, V_YTD, 1.0},
  {"manual", NULL, 1, 0, "zero", 0, V_MANUAL, 0},
  {"deduct", "{\"per_event\": 1, \"cap\": 2}", 0, 0, "zero", 0, V_COUNT, 0.2},
  {"bonus", "{\"per_event\": 0.5, \"cap\": 1}", 0, 0, "zero", 0, V_COUNT, 0.3},
  {"veto", NULL, 0, 0, "zero", 0, V_RARE, 0.0005},
};

/* Eastern provinces (group restriction 1; 2 = the others). */
static int prov_eastern(int p) {
  static const int a[] = {11, 12, 13, 21, 31, 32, 33, 35, 37, 44, 46};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    if (aProv[p].iPrefix == a[i]) return 1;
  }
  return 0;
}

static int leaf_applies(int l, int p) {
  return aLeaf[l].eGroups == 0 || (aLeaf[l].eGroups == 1) == prov_eastern(p);
}

static const char *zDir;

static FILE *open_out(const char *zName) {
  char z[4096];
  if (snprintf(z, sizeof z, "%s/%s", zDir, zName) >= (int)sizeof z) {
    fprintf(stderr, "gen_data: path too long\n");
    exit(1);
  }
  FILE *f = fopen(z, "w");
  if (!f) {
    fprintf(stderr, "gen_data: cannot write %s: %s\n", z, strerror(errno));
    exit(1);
  }
  return f;
}

static void close_out(FILE *f) {
  if (ferror(f) || fclose(f) != 0) {
    fprintf(stderr, "gen_data: write error: %s\n", strerror(errno));
    exit(1);
  }
}

static int is_target_method(const char *z) {
  return strcmp(z, "completion") == 0 || strcmp(z, "timeprogress") == 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_data DIR\n");
    return 2;
  }
  zDir = argv[1];
  if (mkdir(zDir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "gen_data: cannot create %s: %s\n", zDir, strerror(errno));
    return 1;
  }
  int nUnit = 0;
  for (int p = 0; p < N_PROV; p++) nUnit += aProv[p].nUnit;
  int *aProvOf = malloc(sizeof(int) * (size_t)nUnit);
  double *aStrength = malloc(sizeof(double) * (size_t)nUnit);
  double *aTarget = malloc(sizeof(double) * (size_t)nUnit * N_LEAF);
  double *aYtd = calloc((size_t)nUnit * N_LEAF, sizeof(double));
  if (!aProvOf || !aStrength || !aTarget || !aYtd) {
    fprintf(stderr, "gen_data: out of memory\n");
    return 1;
  }

  /* units.csv */
  FILE *f = open_out("units.csv");
  fprintf(f, "code,name,kind,peer_group\n");
  char (*azCode)[24] = malloc(sizeof *azCode * (size_t)nUnit);
  if (!azCode) return 1;
  for (int p = 0, u = 0; p < N_PROV; p++) {
    for (int i = 0; i < aProv[p].nUnit; i++, u++) {
      snprintf(azCode[u], sizeof azCode[u], "%02d%04d", aProv[p].iPrefix, i + 1);
      aProvOf[u] = p;
      uint64_t s = rng_seed(0, u, 0);
      aStrength[u] = 0.5 * rng_n(&s);
      fprintf(f, "%s,%s第%d县(合成),county,%s\n", azCode[u], aProv[p].zName, i + 1,
              aProv[p].zName);
    }
  }
  close_out(f);

  /* scheme.json */
  f = open_out("scheme.json");
  fprintf(f, "{\n  \"code\": \"BENCH\", \"name\": \"全国县域基准测试方案(合成)\", \"year\": 2021,\n"
             "  \"synthetic\": true, \"aggregation\": \"points\", \"total\": 100,\n"
             "  \"grades\": {\"by\": \"score\", \"levels\": [[90, \"优秀\"], [80, \"良好\"], "
             "[60, \"一般\"], [null, \"较差\"]]},\n  \"indicators\": [");
  for (int c = 0; c < 6; c++) {
    fprintf(f, "%s\n    {\"code\": \"%c\", \"name\": \"类别%c\", \"children\": [", c ? "," : "",
            'A' + c, 'A' + c);
    for (int k = 0; k < 10; k++) {
      int l = c * 10 + k;
      const Leaf *pL = &aLeaf[l];
      fprintf(f, "%s\n      {\"code\": \"%c%d\", \"name\": \"指标%c%d\", \"method\": \"%s\"",
              k ? "," : "", 'A' + c, k + 1, 'A' + c, k + 1, pL->zMethod);
      if (pL->iWeight) fprintf(f, ", \"weight\": %d", pL->iWeight);
      if (pL->bLower) fprintf(f, ", \"direction\": \"lower\"");
      if (pL->zParams) fprintf(f, ", \"params\": %s", pL->zParams);
      if (pL->e == V_YTD) fprintf(f, ", \"accumulate\": \"ytd\"");
      fprintf(f, ", \"missing\": \"%s\"", pL->zMissing);
      if (pL->eGroups) {
        fprintf(f, ", \"groups\": [");
        for (int p = 0, n = 0; p < N_PROV; p++) {
          if (leaf_applies(l, p)) fprintf(f, "%s\"%s\"", n++ ? ", " : "", aProv[p].zName);
        }
        fprintf(f, "]");
      }
      fprintf(f, "}");
    }
    fprintf(f, "\n    ]}");
  }
  fprintf(f, "\n  ]\n}\n");
  close_out(f);

  /* targets.csv */
  f = open_out("targets.csv");
  fprintf(f, "unit,indicator,target\n");
  for (int u = 0; u < nUnit; u++) {
    for (int l = 0; l < N_LEAF; l++) {
      aTarget[(size_t)u * N_LEAF + l] = 0;
      if (!is_target_method(aLeaf[l].zMethod) || !leaf_applies(l, aProvOf[u])) continue;
      uint64_t s = rng_seed(1, u, l);
      double t = r2(50 + 450 * rng_u(&s));
      aTarget[(size_t)u * N_LEAF + l] = t;
      fprintf(f, "%s,%c%d,%.2f\n", azCode[u], 'A' + l / 10, l % 10 + 1, t);
    }
  }
  close_out(f);

  /* values, one file per month */
  FILE *fp = open_out("periods.txt");
  for (int m = 1; m <= N_PERIOD; m++) {
    char zName[64];
    fprintf(fp, "2021-M%02d\n", m);
    snprintf(zName, sizeof zName, "values-2021-M%02d.csv", m);
    f = open_out(zName);
    fprintf(f, "unit,indicator,value\n");
    for (int u = 0; u < nUnit; u++) {
      double q = aStrength[u];
      for (int l = 0; l < N_LEAF; l++) {
        const Leaf *pL = &aLeaf[l];
        if (!leaf_applies(l, aProvOf[u])) continue;
        uint64_t s = rng_seed(2 + m, u, l);
        double x = 0, t = aTarget[(size_t)u * N_LEAF + l];
        int nDec = 2;
        switch (pL->e) {
        case V_RATIO: x = t * (pL->rMean + 0.08 * q + 0.05 * rng_n(&s)); break;
        case V_GROWTH: x = pL->rMean + 2 * q + 1.5 * rng_n(&s); break;
        case V_PCT: {
          x = pL->rMean + 3 * q + 2.5 * rng_n(&s);
          x = x > 100 ? 100 : x < 0 ? 0 : x;
          break;
        }
        case V_LEVEL: x = pL->rMean * (1 + 0.2 * q + 0.1 * rng_n(&s)); break;
        case V_INCOME: {
          x = pL->rMean * (1 + 0.5 * q + 0.3 * rng_u(&s));
          x = x < 500 ? 500 : x; /* ln needs x > 0; below lo the share is 0 anyway */
          break;
        }
        case V_DAYS: {
          x = pL->rMean * (1 - 0.2 * q + 0.15 * rng_n(&s));
          x = x < 0.2 ? 0.2 : x;
          break;
        }
        case V_YTD: {
          /* cumulative, never decreasing: this month's share of a year's work */
          double *pY = &aYtd[(size_t)u * N_LEAF + l];
          double inc = t / 12 * (1 + 0.1 * q + 0.15 * rng_n(&s));
          *pY += inc > 0 ? inc : 0;
          x = *pY;
          break;
        }
        case V_MANUAL: {
          double w = pL->iWeight;
          x = (double)(int)(w * (0.5 + 0.5 * rng_u(&s)) * 10) / 10; /* 0.1 steps, <= w */
          nDec = 1;
          break;
        }
        case V_COUNT: {
          int n = 0;
          for (int i = 0; i < 6; i++) n += rng_u(&s) < pL->rMean / 6;
          x = n;
          nDec = 0;
          break;
        }
        case V_RARE: x = rng_u(&s) < pL->rMean; nDec = 0; break;
        }
        /* Missing: rarer where a missing report scores zero (units avoid that). */
        double rMiss = strcmp(pL->zMissing, "zero") == 0 ? 0.003 : 0.012;
        if (pL->e != V_RARE && pL->e != V_COUNT && rng_u(&s) < rMiss) {
          fprintf(f, "%s,%c%d,\n", azCode[u], 'A' + l / 10, l % 10 + 1);
          continue;
        }
        fprintf(f, "%s,%c%d,%.*f\n", azCode[u], 'A' + l / 10, l % 10 + 1, nDec,
                nDec == 2 ? r2(x) : x);
      }
    }
    close_out(f);
  }
  close_out(fp);
  free(azCode);
  free(aProvOf);
  free(aStrength);
  free(aTarget);
  free(aYtd);
  printf("gen_data: %d units in %d groups, %d indicators, %d periods -> %s\n", nUnit, N_PROV,
         N_LEAF, N_PERIOD, zDir);
  return 0;
}
