/* One small logging module: levels, to standard error, never per packet. */
#ifndef SONATA_LOG_H
#define SONATA_LOG_H

enum sn_log_level { SN_LOG_ERROR = 0, SN_LOG_WARN, SN_LOG_INFO, SN_LOG_DEBUG };

void sn_log_set_level(enum sn_log_level level);
enum sn_log_level sn_log_get_level(void);
void sn_log(enum sn_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define sn_err(...) sn_log(SN_LOG_ERROR, __VA_ARGS__)
#define sn_warn(...) sn_log(SN_LOG_WARN, __VA_ARGS__)
#define sn_info(...) sn_log(SN_LOG_INFO, __VA_ARGS__)
#define sn_debug(...) sn_log(SN_LOG_DEBUG, __VA_ARGS__)

#endif
