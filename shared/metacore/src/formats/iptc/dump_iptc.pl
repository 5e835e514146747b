use strict; use warnings;
use Image::ExifTool; use Image::ExifTool::IPTC;
my $main = \%Image::ExifTool::IPTC::Main;
for my $rec (sort { $a <=> $b } grep /^\d+$/, keys %$main) {
    my $t = Image::ExifTool::GetTagTable($main->{$rec}{SubDirectory}{TagTable});
    for my $tag (sort { $a <=> $b } grep /^\d+$/, keys %$t) {
        my $ti = $t->{$tag}; next unless ref $ti eq 'HASH';
        my $fmt = $ti->{Format} // '';
        my $flags = $ti->{Flags}; my $list = 0;
        if (ref $flags eq 'ARRAY') { $list = grep { $_ eq 'List' } @$flags; } elsif (defined $flags) { $list = $flags eq 'List' ? 1 : 0; }
        $list = 1 if $ti->{List};
        my $pc = 'None';
        my $c = $ti->{PrintConv};
        my $vc = $ti->{ValueConv} // '';
        if (ref $c eq 'HASH') {
            my @kv = map { my $v = $c->{$_}; $v =~ s/\\/\\\\/g; $v =~ s/"/\\"/g; my $k=$_; $k =~ s/\\/\\\\/g; $k =~ s/"/\\"/g; "(\"$k\", \"$v\")" } sort keys %$c;
            $pc = 'Map(&[' . join(', ', @kv) . '])';
        } elsif (ref $c eq 'CODE') { $pc = 'CodedCharset'; }
        elsif (defined $c and $c =~ /ConvertPictureNumber/) { $pc = 'None'; }
        if ($vc =~ /ExifDate/) { $vc = 'Date'; } elsif ($vc =~ /ExifTime/) { $vc = 'Time'; } elsif ($vc =~ /\\0\+/) { $vc = 'Nulls'; } else { $vc = 'None'; }
        my $bin = $ti->{Binary} ? 'true' : 'false';
        printf "    T { rec: %d, tag: %d, name: \"%s\", fmt: \"%s\", list: %s, bin: %s, vc: Vc::%s, pc: Pc::%s },\n", $rec, $tag, $ti->{Name}, $fmt, $list ? 'true':'false', $bin, $vc, $pc;
    }
}
