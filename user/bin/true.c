/* true: exits with status 0 (cycles runs it many times). */
int main(void) { return 0; }
