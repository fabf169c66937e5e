#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# man-reference.pl GHOST_SCHED CONFIG_TOML OUT: the reference sections of ghost-sched(8) that have a
# home elsewhere, written for help2man --include so the page cannot drift from them:
#   [COMMANDS]       every subcommand, from its own --help (CLI11's top-level --help lists only names);
#   [CONFIGURATION]  every key with its comment, from the shipped example (dist/config.toml, which
#                    tests/config checks against the settings table);
#   [STATISTICS]     every field, from ghost-sched --help-stats (the counters table).
# Perl because help2man is: wherever the man pages build, it is there.
use strict;
use warnings;

die "usage: man-reference.pl GHOST_SCHED CONFIG_TOML OUT\n" unless @ARGV == 3;
my ($bin, $toml, $out) = @ARGV;

# Text as roff: backslashes and hyphens escaped, a leading dot or quote made inert, and a leading
# bracket too (help2man reads a "[name]" line as a section).
sub roff {
  my ($s) = @_;
  $s =~ s/\\/\\e/g;
  $s =~ s/-/\\-/g;
  $s =~ s/^([.'[])/\\&$1/;
  return $s;
}

# The tool's output for ARGS (run through PATH, so usage lines say "ghost-sched"); any failure is fatal.
sub run {
  my @args = @_;
  my ($dir, $name) = $bin =~ m{^(.*)/([^/]+)$} ? ($1, $2) : ('.', $bin);
  local $ENV{PATH} = "$dir:$ENV{PATH}";
  open(my $fh, '-|', $name, @args) or die "man-reference: cannot run $bin: $!\n";
  my @lines = <$fh>;
  close($fh) or die "man-reference: $bin @args: exit status " . ($? >> 8) . "\n";
  chomp @lines;
  return @lines;
}

# CLI11 --help: the first line (the description), the usage, and the entries of each block
# ("Positionals:", "Options:", "Subcommands:") as [name, description] pairs. A name too long for its
# column has its description on the next, indented line.
sub parse_help {
  my @lines = @_;
  my %h = (desc => shift @lines, blocks => {});
  my $block;
  for (@lines) {
    if (/^Usage: (.*)$/) { $h{usage} = $1; next; }
    if (/^(\w+):$/) { $block = $1; next; }
    next unless $block;
    if (/^  (\S.*?)(?: {2,}(\S.*))?$/) { push @{$h{blocks}{$block}}, [$1, $2 // '']; next; }
    if (/^ {6,}(\S.*)$/ && @{$h{blocks}{$block} // []}) { $h{blocks}{$block}[-1][1] = $1; }
  }
  return \%h;
}

# One subcommand: a subsection named by its usage, its description, its arguments; then its own
# subcommands (ctl's).
sub command {
  my @path = @_;
  my $h = parse_help(run(@path, '--help'));
  my $usage = $h->{usage} // die "man-reference: ghost-sched @path --help: no usage line\n";
  my $s = '.SS "' . roff($usage) . "\"\n" . roff($h->{desc}) . "\n";
  for my $block ('Positionals', 'Options') {
    for my $e (@{$h->{blocks}{$block} // []}) {
      next if $e->[0] =~ /^-h,--help/;
      $s .= ".TP\n\\fB" . roff($e->[0]) . "\\fR\n" . roff($e->[1]) . "\n";
    }
  }
  $s .= command(@path, $_->[0]) for @{$h->{blocks}{Subcommands} // []};
  return $s;
}

sub commands {
  my $top = parse_help(run('--help'));
  my @subs = @{$top->{blocks}{Subcommands} // []} or die "man-reference: ghost-sched --help lists no subcommands\n";
  return "[COMMANDS]\n" . join('', map { command($_->[0]) } @subs);
}

# dist/config.toml as roff: comment paragraphs become text, "#key = value" lines (a key with its
# default, commented out) become tagged paragraphs described by the comment above them (keys in a row
# share it), a multi-line value and indented comment lines become examples, a [table] a subsection
# that the comment above it opens.
sub configuration {
  open(my $fh, '<', $toml) or die "man-reference: $toml: $!\n";
  my (@prose, @keys, @example, @value);
  my $s = "[CONFIGURATION]\n";
  my $text = sub { join('', map { roff($_) =~ s/`([^`]+)`/\\fB$1\\fR/gr . "\n" } @_) };
  my $nf = sub { ".nf\n" . join('', map { roff($_) . "\n" } @_) . ".fi\n" };
  my $prose = sub {
    $s .= ".PP\n" . $text->(@prose) if @prose;
    @prose = ();
  };
  my $example = sub {
    $s .= ".IP\n" . $nf->(@example) if @example;
    @example = ();
  };
  my $keys = sub {
    return unless @keys;
    my $tag = '.TP';
    for my $k (@keys) { $s .= "$tag\n\\fB" . roff($k->[0]) . "\\fR = " . roff($k->[1]) . "\n"; $tag = '.TQ'; }
    $s .= @prose || @value ? $text->(@prose) . (@value ? $nf->(@value) : '') : ".PP\n";
    @prose = @keys = @value = ();
  };
  my $in_value = 0;  # inside a commented multi-line string value
  while (my $line = <$fh>) {
    chomp $line;
    next if $line =~ /SPDX-License-Identifier/;
    if ($in_value) {
      push @value, $line =~ s/^#//r;
      if ($line =~ /"""/) { $in_value = 0; $keys->(); }
      next;
    }
    if ($line =~ /^#([\w-]+) = (.*)$/) {
      push @keys, [$1, $2];
      if ($2 eq '"""') { $keys[-1][1] = '"""...""" (lines)'; @value = ($line =~ s/^#//r); $in_value = 1; }
      next;
    }
    $keys->();
    if ($line =~ /^#   +(\S.*)$/) { $prose->(); push @example, $1; next; }
    $example->();
    if ($line =~ /^\[(\w+)\]$/) { $s .= ".SS \"" . roff($line) . "\"\n"; $prose->(); next; }
    if ($line =~ /^# (.*)$/) { push @prose, $1; next; }
    if ($line =~ /^#?$/) { $prose->(); next; }
    die "man-reference: $toml:$.: not a comment, a commented key or a table: $line\n";
  }
  die "man-reference: $toml: a multi-line value does not end\n" if $in_value;
  $keys->();
  $example->();
  $prose->();
  return $s;
}

# ghost-sched --help-stats: a heading, "  name  type  description" rows, and a note on the types.
sub statistics {
  my @lines = run('--help-stats');
  my $s = "[STATISTICS]\n.PP\n" . roff(shift @lines) . "\n";
  my $fields = 0;
  for (@lines) {
    if (/^  (\w+) +(\S+) +(\S.*)$/) {
      $s .= ".TP\n\\fB$1\\fR (" . roff($2) . ")\n" . roff($3) . "\n";
      $fields++;
    } elsif (/\S/) {
      $s .= ".PP\n" . roff($_) . "\n";
    }
  }
  die "man-reference: ghost-sched --help-stats describes no field\n" unless $fields;
  return $s;
}

my $text = commands() . configuration() . statistics();
open(my $fh, '>', $out) or die "man-reference: $out: $!\n";
print $fh $text;
close($fh) or die "man-reference: $out: $!\n";
