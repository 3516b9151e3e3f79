/*
** bench/feed/gen.c: writes a synthetic 12345 hotline export (data-formats.md) of N rows to
** standard output, deterministically (a fixed xorshift seed: the same bytes on every run).
**
**   gen N > hotline.csv
**
** About 350 bytes a row: the eleven columns of data-formats.md, CRLF line ends, times to the
** second over 2021, the sixteen units of ../shared/data/units.csv, and a complaint text of
** 40 to 90 Chinese characters. As in a real export, some texts must be quoted: about 1 in 8
** holds a comma, 1 in 25 a doubled quote and 1 in 50 a line break. Some orders are still
** open (empty 办结时间) or returned, some have no follow-up (未回访).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static int pick(int n) { return (int)(unif() * n); }

static const char *const azUnit[] = {"430405", "430406", "430407", "430408", "430412",
                                     "430421", "430422", "430423", "430424", "430426",
                                     "430481", "430482", "P01", "P02", "P03",
                                     "P04"};
static const char *const azCat[] = {"营商环境", "城市管理", "住房保障", "交通出行", "环境保护",
                                    "劳动社保", "教育", "医疗卫生", "市场监管", "农业农村"};
static const char *const azChan[] = {"电话", "电话", "电话", "微信", "网站", "APP"};
static const char *const azSat[] = {"满意", "基本满意", "不满意", "未回访"};
static const char *const azWord[] = {"反映", "小区", "噪音", "道路", "积水", "路灯", "物业",
                                     "停车", "施工", "扬尘", "工资", "拖欠", "学位", "医保",
                                     "办理", "材料", "退回", "审批", "时限", "过长", "请求",
                                     "处理", "协调", "尽快", "解决", "影响", "居民", "生活"};

static const int aMonthDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* t: seconds from 2021-01-01 00:00 (2021 and 2022 are not leap years). */
static int put_time(char *z, int64_t t) {
  int64_t d = t / 86400;
  int sec = (int)(t % 86400), y = 2021;
  while (d >= 365) { d -= 365; y++; }
  int m = 0;
  while (d >= aMonthDays[m]) d -= aMonthDays[m++];
  return sprintf(z, "%04d-%02d-%02d %02d:%02d:%02d", y, m + 1, (int)d + 1, sec / 3600,
                 sec / 60 % 60, sec % 60);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen ROWS > hotline.csv\n");
    return 2;
  }
  long n = atol(argv[1]);
  static char out[1 << 20];
  size_t at = 0;
  at += (size_t)sprintf(out + at, "工单编号,受理时间,承办单位编码,诉求类别,来源渠道,响应时间,"
                                  "办结时间,办结时限,办理状态,回访满意度,诉求内容\r\n");
  for (long i = 0; i < n; i++) {
    if (at > sizeof out - 4096) {
      if (fwrite(out, 1, at, stdout) != at) return 1;
      at = 0;
    }
    /* Accepted times rise through the year, as an export sorted by time. */
    int64_t tAcc = (int64_t)((double)i / (double)n * 365 * 86400) + pick(600);
    if (tAcc >= 365 * 86400) tAcc = 365 * 86400 - 1;
    int u = pick(16), c = pick(10);
    double r = unif();
    int64_t tResp = tAcc + 300 + (int64_t)(r * r * 48 * 3600);
    int64_t tDead = tAcc + (c == 1 ? 3 : 5) * 86400;
    double st = unif();
    int eState = st < 0.02 ? 2 : st < 0.05 ? 1 : 0;
    int64_t tClose = -1;
    if (eState == 0) tClose = tAcc + 3600 + (int64_t)(unif() * (unif() < 0.9 ? 0.95 : 2.0) *
                                                      (double)(tDead - tAcc));
    int eSat = eState == 0 ? (unif() < 0.12 ? 3 : pick(20) < 13 ? 0 : pick(3) < 2 ? 1 : 2) : 3;
    at += (size_t)sprintf(out + at, "GD2021%09ld,", i + 1);
    at += (size_t)put_time(out + at, tAcc);
    at += (size_t)sprintf(out + at, ",%s,%s,%s,", azUnit[u], azCat[c], azChan[pick(6)]);
    at += (size_t)put_time(out + at, tResp);
    out[at++] = ',';
    if (tClose >= 0) at += (size_t)put_time(out + at, tClose);
    out[at++] = ',';
    at += (size_t)put_time(out + at, tDead);
    at += (size_t)sprintf(out + at, ",%s,%s,", eState == 0 ? "已办结" : eState == 1 ? "办理中" : "已退回",
                          azSat[eSat]);
    /* The text: 20 to 45 two-character words, with the occasional comma, quote, line break. */
    int bComma = pick(8) == 0, bQuote = pick(25) == 0, bBreak = pick(50) == 0;
    int bQuoted = bComma || bQuote || bBreak;
    if (bQuoted) out[at++] = '"';
    int nWord = 22 + pick(26);
    for (int w = 0; w < nWord; w++) {
      if (bComma && w == nWord / 2) out[at++] = ',';
      if (bQuote && w == nWord / 3) { memcpy(out + at, "\"\"", 2); at += 2; }
      if (bBreak && w == 2 * nWord / 3) { memcpy(out + at, "\r\n", 2); at += 2; }
      const char *zW = azWord[pick(28)];
      size_t k = strlen(zW);
      memcpy(out + at, zW, k);
      at += k;
      if (bQuote && w == nWord / 3 + 1) { memcpy(out + at, "\"\"", 2); at += 2; }
    }
    if (bQuoted) out[at++] = '"';
    memcpy(out + at, "\r\n", 2);
    at += 2;
  }
  if (fwrite(out, 1, at, stdout) != at) return 1;
  return 0;
}
