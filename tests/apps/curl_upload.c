/* curl_upload: uploads a file over HTTPS with libcurl's easy API, so that the loop under test is
 * libcurl's own (curl_easy_perform driving GnuTLS), not ours. HTTP/1.1, the body sent as it is
 * read from the file, with its length announced (Content-Length) and no "Expect: 100-continue"
 * (a server that does not answer it would cost a second's wait).
 *
 * Usage: curl_upload --url URL --file F --cacert CA [--method POST|PUT] [--stall-timeout S]
 *   --stall-timeout S: give up when fewer than 1 byte/s moved for S seconds (default: never).
 * Prints "status CODE uploaded N bytes"; exits 0 only on status 200 (for PUT also 201 Created
 * and 204 No Content, what a WebDAV server answers), 1 otherwise (libcurl's error text on
 * stderr). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct args {
  const char* url;
  const char* file;
  const char* cacert;
  const char* method;
  long stall_timeout;
};

static void usage(const char* prog) {
  fprintf(stderr,
          "usage: %s --url URL --file F --cacert CA [--method POST|PUT] [--stall-timeout S]\n",
          prog);
  exit(1);
}

static void parse_args(int argc, char** argv, struct args* a) {
  memset(a, 0, sizeof *a);
  a->method = "POST";
  for (int i = 1; i < argc; ++i) {
    const char* opt = argv[i];
    if (i + 1 >= argc) usage(argv[0]);
    const char* val = argv[++i];
    if (!strcmp(opt, "--url")) a->url = val;
    else if (!strcmp(opt, "--file")) a->file = val;
    else if (!strcmp(opt, "--cacert")) a->cacert = val;
    else if (!strcmp(opt, "--method")) a->method = val;
    else if (!strcmp(opt, "--stall-timeout")) a->stall_timeout = atol(val);
    else usage(argv[0]);
  }
  if (!a->url || !a->file || !a->cacert) usage(argv[0]);
  if (strcmp(a->method, "POST") && strcmp(a->method, "PUT")) usage(argv[0]);
}

/* The response body is not kept, only counted. */
static size_t discard(char* data, size_t size, size_t n, void* counter) {
  (void)data;
  *(curl_off_t*)counter += (curl_off_t)(size * n);
  return size * n;
}

#define CHECK(call)                                                        \
  do {                                                                     \
    CURLcode rc_ = (call);                                                 \
    if (rc_ != CURLE_OK) {                                                 \
      fprintf(stderr, "error: %s: %s\n", #call, curl_easy_strerror(rc_)); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

int main(int argc, char** argv) {
  struct args a;
  parse_args(argc, argv, &a);
  FILE* body = fopen(a.file, "rb");
  struct stat st;
  if (!body || fstat(fileno(body), &st) != 0) {
    perror(a.file);
    return 1;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  CURL* curl = curl_easy_init();
  if (!curl) return 1;

  char error[CURL_ERROR_SIZE] = "";
  curl_off_t response_bytes = 0;
  struct curl_slist* headers = NULL;
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  CHECK(curl_easy_setopt(curl, CURLOPT_URL, a.url));
  CHECK(curl_easy_setopt(curl, CURLOPT_CAINFO, a.cacert));
  CHECK(curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1));
  CHECK(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L));
  CHECK(curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error));
  CHECK(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers));
  CHECK(curl_easy_setopt(curl, CURLOPT_READDATA, body));  /* libcurl's default fread */
  if (!strcmp(a.method, "PUT")) {
    CHECK(curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L));
    CHECK(curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size));
  } else {
    CHECK(curl_easy_setopt(curl, CURLOPT_POST, 1L));
    CHECK(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size));
  }
  CHECK(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard));
  CHECK(curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response_bytes));
  if (a.stall_timeout > 0) {
    CHECK(curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L));
    CHECK(curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, a.stall_timeout));
    CHECK(curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, a.stall_timeout));
  }

  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_off_t uploaded = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  printf("status %ld uploaded %lld bytes\n", status, (long long)uploaded);
  if (rc != CURLE_OK)
    fprintf(stderr, "error: curl_easy_perform: %s: %s\n", curl_easy_strerror(rc), error);

  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  fclose(body);
  int put = !strcmp(a.method, "PUT");
  int ok = status == 200 || (put && (status == 201 || status == 204));
  return rc == CURLE_OK && ok ? 0 : 1;
}
